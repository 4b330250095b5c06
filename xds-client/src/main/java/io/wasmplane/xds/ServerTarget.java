package io.wasmplane.xds;

import java.net.InetSocketAddress;
import java.util.List;

/** Where the control plane is: a gRPC target URI, or fixed addresses (a static cluster's endpoints). */
public sealed interface ServerTarget {
  /** A gRPC target, e.g. {@code host:port} or {@code dns:///host:port}. */
  record Uri(String target) implements ServerTarget {
    public Uri {
      if (target == null || target.isBlank()) {
        throw new IllegalArgumentException("target is empty");
      }
    }

    @Override
    public String toString() {
      return target;
    }
  }

  /** Fixed addresses, tried in order (pick-first), e.g. from a STATIC cluster's load_assignment. */
  record Addresses(List<InetSocketAddress> addresses) implements ServerTarget {
    public Addresses {
      addresses = List.copyOf(addresses);
      if (addresses.isEmpty()) {
        throw new IllegalArgumentException("no addresses");
      }
    }

    @Override
    public String toString() {
      return addresses.toString();
    }
  }

  static ServerTarget uri(String target) {
    return new Uri(target);
  }

  static ServerTarget addresses(List<InetSocketAddress> addresses) {
    return new Addresses(addresses);
  }
}

package io.wasmplane.dataplane.server;

import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.ListenerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Envoy's {@code use_original_dst} hand-off: the listener for a connection's (restored) destination, by exact address
 * and port, else the wildcard address of its family (0.0.0.0 / [::]) with that port. A connection whose destination is
 * the listener it arrived on (not redirected) stays there. Rebuilt whenever a listener is added, changed
 * or removed; connections read it without locks.
 */
final class OriginalDstListeners {
  private static final InetAddress ANY_V4 = new InetSocketAddress("0.0.0.0", 0).getAddress();
  private static final InetAddress ANY_V6 = new InetSocketAddress("::", 0).getAddress();
  private volatile Map<InetSocketAddress, SwitchingInitializer> byAddress = Map.of();

  void rebuild(Iterable<DataplaneServer.BoundListener> listeners) {
    Map<InetSocketAddress, SwitchingInitializer> next = new HashMap<>();
    for (DataplaneServer.BoundListener b : listeners) {
      InetSocketAddress a = b.boundAddress();
      next.putIfAbsent(new InetSocketAddress(a.getAddress(), a.getPort()), b.init());
    }
    byAddress = Map.copyOf(next);
  }

  /** Envoy refuses two listeners on one address; for listeners that bind nothing the socket cannot say so. */
  static void requireUniqueAddress(ListenerConfig l, Iterable<DataplaneServer.BoundListener> others) {
    for (DataplaneServer.BoundListener b : others) {
      ListenerConfig other = b.chains().config();
      if (!other.name().equals(l.name()) && other.address().equals(l.address())) {
        throw new ConfigException("listener " + l.name() + ": address " + l.address().getHostString() + ":"
            + l.address().getPort() + " is already used by listener " + other.name());
      }
    }
  }

  /** The listener for {@code destination}, or null. */
  SwitchingInitializer find(InetSocketAddress destination) {
    Map<InetSocketAddress, SwitchingInitializer> map = byAddress;
    SwitchingInitializer exact = map.get(destination);
    if (exact != null) {
      return exact;
    }
    // Envoy looks for the wildcard of the destination's own family only.
    InetAddress any = destination.getAddress() instanceof java.net.Inet4Address ? ANY_V4 : ANY_V6;
    return map.get(new InetSocketAddress(any, destination.getPort()));
  }
}

package io.wasmplane.dataplane.network;

import io.netty.channel.Channel;
import io.wasmplane.wasm.PropertyEncoding;
import java.net.InetSocketAddress;
import java.util.List;

/** Envoy's connection attributes ({@code source.*}, {@code destination.*}, {@code connection.*}, {@code upstream.*}). */
final class ConnectionProperties {
  private ConnectionProperties() {}

  static byte[] get(Channel ch, List<String> path) {
    if (path.size() != 2) {
      return path.size() == 1 && path.get(0).equals("connection_id") ? id(ch) : null;
    }
    String field = path.get(1);
    return switch (path.get(0)) {
      case "source" -> address(ConnectionInfo.remote(ch), field);
      case "destination" -> address(ConnectionInfo.local(ch), field);
      case "upstream" -> switch (field) {
        case "address", "port" -> address(ch.attr(ConnectionInfo.UPSTREAM).get(), field);
        case "local_address" -> address(ch.attr(ConnectionInfo.UPSTREAM_LOCAL).get(), "address");
        case "local_port" -> address(ch.attr(ConnectionInfo.UPSTREAM_LOCAL).get(), "port");
        default -> null;
      };
      case "connection" -> switch (field) {
        case "id" -> id(ch);
        default -> io.wasmplane.dataplane.tls.ConnectionTls.property(ch.attr(ConnectionInfo.TLS_SESSION).get(), field);
      };
      default -> null;
    };
  }

  private static byte[] id(Channel ch) {
    Long id = ch.attr(ConnectionInfo.ID).get();
    return id == null ? null : PropertyEncoding.uint64(id);
  }

  /** Envoy: {@code address} is "ip:port", {@code port} an int64. */
  private static byte[] address(InetSocketAddress a, String field) {
    if (a == null) {
      return null;
    }
    return switch (field) {
      case "address" -> PropertyEncoding.string(Addresses.hostPort(a));
      case "port" -> PropertyEncoding.int64(a.getPort());
      default -> null;
    };
  }
}

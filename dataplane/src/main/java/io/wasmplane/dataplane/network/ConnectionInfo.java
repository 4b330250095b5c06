package io.wasmplane.dataplane.network;

import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;

/** Facts about a downstream connection that filters share through channel attributes. */
public final class ConnectionInfo {
  /** Envoy's connection id (also the {@code connection.id} property). */
  public static final AttributeKey<Long> ID = AttributeKey.valueOf("wasmplane.connection.id");
  /** The upstream host a TCP proxy connected to ({@code upstream.address/port}). */
  public static final AttributeKey<InetSocketAddress> UPSTREAM = AttributeKey.valueOf("wasmplane.upstream.address");
  /** Our end of the upstream connection ({@code upstream.local_address/local_port}). */
  public static final AttributeKey<InetSocketAddress> UPSTREAM_LOCAL = AttributeKey.valueOf("wasmplane.upstream.local_address");
  /** What the downstream TLS handshake established (absent: plaintext or not yet done). */
  public static final AttributeKey<io.wasmplane.dataplane.tls.ConnectionTls> TLS_SESSION = AttributeKey.valueOf("wasmplane.connection.tls");

  private ConnectionInfo() {}
}

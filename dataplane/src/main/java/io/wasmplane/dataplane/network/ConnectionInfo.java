package io.wasmplane.dataplane.network;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;

/** Facts about a downstream connection that filters share through channel attributes. */
public final class ConnectionInfo {
  /** Envoy's connection id (also the {@code connection.id} property). */
  public static final AttributeKey<Long> ID = AttributeKey.valueOf("wasmplane.connection.id");
  /** Why a network filter closed the connection (%CONNECTION_TERMINATION_DETAILS%), e.g. an RBAC denial. */
  public static final AttributeKey<String> TERMINATION_DETAILS = AttributeKey.valueOf("wasmplane.connection.termination_details");
  /** The upstream host a TCP proxy connected to ({@code upstream.address/port}). */
  public static final AttributeKey<InetSocketAddress> UPSTREAM = AttributeKey.valueOf("wasmplane.upstream.address");
  /** Our end of the upstream connection ({@code upstream.local_address/local_port}). */
  public static final AttributeKey<InetSocketAddress> UPSTREAM_LOCAL = AttributeKey.valueOf("wasmplane.upstream.local_address");
  /** What the downstream TLS handshake established (absent: plaintext or not yet done). */
  public static final AttributeKey<io.wasmplane.dataplane.tls.ConnectionTls> TLS_SESSION = AttributeKey.valueOf("wasmplane.connection.tls");

  /** The client's address a PROXY protocol header carried (absent: the socket's peer is the client). */
  public static final AttributeKey<InetSocketAddress> RESTORED_REMOTE = AttributeKey.valueOf("wasmplane.downstream.remote");
  /** The destination a PROXY protocol header carried (absent: the socket's local address). */
  public static final AttributeKey<InetSocketAddress> RESTORED_LOCAL = AttributeKey.valueOf("wasmplane.downstream.local");

  private ConnectionInfo() {}

  /** Envoy's downstream remote address: restored by a listener filter, else the socket's peer. */
  public static InetSocketAddress remote(Channel ch) {
    InetSocketAddress restored = ch.attr(RESTORED_REMOTE).get();
    return restored != null ? restored : (InetSocketAddress) ch.remoteAddress();
  }

  /** Envoy's downstream local (destination) address: restored by a listener filter, else the socket's own. */
  public static InetSocketAddress local(Channel ch) {
    InetSocketAddress restored = ch.attr(RESTORED_LOCAL).get();
    return restored != null ? restored : (InetSocketAddress) ch.localAddress();
  }
}

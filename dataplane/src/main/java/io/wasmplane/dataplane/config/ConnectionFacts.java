package io.wasmplane.dataplane.config;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * What filter chain selection knows about a new connection: its addresses, and what the listener filters found
 * (SNI, transport protocol, application protocols). Envoy's default transport protocol is "raw_buffer".
 * {@code directRemote} is the socket's peer; {@code remote} the client a PROXY protocol header named, if any.
 */
public record ConnectionFacts(InetSocketAddress local, InetSocketAddress remote, String serverName, String transportProtocol,
    List<String> applicationProtocols, InetSocketAddress directRemote) {
  public static final String RAW_BUFFER = "raw_buffer";
  public static final String TLS = "tls";

  public ConnectionFacts {
    applicationProtocols = List.copyOf(applicationProtocols);
  }

  /** A connection whose peer is the client (no PROXY protocol header restored another). */
  public ConnectionFacts(InetSocketAddress local, InetSocketAddress remote, String serverName, String transportProtocol,
      List<String> applicationProtocols) {
    this(local, remote, serverName, transportProtocol, applicationProtocols, remote);
  }

  /** A connection no listener filter looked at. */
  public static ConnectionFacts of(InetSocketAddress local, InetSocketAddress remote) {
    return new ConnectionFacts(local, remote, "", RAW_BUFFER, List.of());
  }

  /** Envoy's SAME_IP_OR_LOOPBACK: the peer is a loopback address or this host's own address. */
  boolean localSource() {
    return remote.getAddress().isLoopbackAddress() || remote.getAddress().equals(local.getAddress());
  }
}

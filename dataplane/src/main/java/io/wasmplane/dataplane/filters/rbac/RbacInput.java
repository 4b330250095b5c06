package io.wasmplane.dataplane.filters.rbac;

import io.wasmplane.dataplane.config.RequestFacts;
import io.wasmplane.dataplane.http.DynamicMetadata;
import io.wasmplane.dataplane.tls.ConnectionTls;
import java.net.InetSocketAddress;

/**
 * What RBAC rules read of a connection or request. {@code request} is null for the network filter (no HTTP request:
 * header rules see no headers, url_path never matches). {@code remote} is Envoy's downstream remote address (after a
 * PROXY protocol header and, for HTTP, x-forwarded-for); {@code directRemote} the socket's peer; {@code tls} null on
 * plaintext; {@code metadata} the stream's dynamic metadata, null when none was written (always, for the network filter).
 */
public record RbacInput(RequestFacts request, InetSocketAddress local, InetSocketAddress remote, InetSocketAddress directRemote,
    ConnectionTls tls, DynamicMetadata metadata) {

  /** The server name the client asked for (TLS SNI), "" when none. */
  String requestedServerName() {
    return tls == null ? "" : tls.sni().orElse("");
  }
}

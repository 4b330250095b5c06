package io.wasmplane.dataplane.server;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * RFC 8441 extended CONNECT on an HTTP/2 downstream becomes what Envoy's codec makes of it: an HTTP/1.1-style upgrade
 * request (GET, {@code Upgrade: <:protocol>}, {@code Connection: upgrade}), so routing and upgrade_configs treat
 * WebSocket over h2 exactly like WebSocket over HTTP/1.1.
 */
final class ExtendedConnect {
  private ExtendedConnect() {}

  /** Rewrites an extended CONNECT head to GET without {@code :protocol}; returns the protocol, or null otherwise. */
  static CharSequence toUpgradeHead(Http2Headers headers) {
    CharSequence protocol = headers.get(Http2Headers.PseudoHeaderName.PROTOCOL.value());
    if (protocol == null || headers.method() == null || !"CONNECT".contentEquals(headers.method())) {
      return null;
    }
    headers.remove(Http2Headers.PseudoHeaderName.PROTOCOL.value());
    headers.method("GET");
    return protocol;
  }

  /** The Upgrade/Connection pair of the converted request ({@code protocol} from {@link #toUpgradeHead}). */
  static void addUpgradeHeaders(HttpRequest request, CharSequence protocol) {
    if (protocol != null) {
      request.headers().set(HttpHeaderNames.UPGRADE, protocol);
      request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    }
  }
}

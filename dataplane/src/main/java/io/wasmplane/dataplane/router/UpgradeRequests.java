package io.wasmplane.dataplane.router;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;

/** Envoy's Utility::isUpgrade: an HTTP/1.1 request with an Upgrade header and an "upgrade" token in Connection. */
final class UpgradeRequests {
  private UpgradeRequests() {}

  /**
   * The requested upgrade type, or null when the request is not an upgrade. An h2c upgrade is not one: like Envoy's
   * HTTP/1 codec, the downstream side handles or drops it, it never reaches an upstream.
   */
  static String type(HttpHeaders h) {
    String upgrade = h.get(HttpHeaderNames.UPGRADE);
    if (upgrade == null || upgrade.trim().equalsIgnoreCase("h2c")
        || !h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
      return null;
    }
    return upgrade;
  }

  /** Puts back the Upgrade/Connection pair that hop-by-hop stripping removed, for an upgrade that goes through. */
  static void keep(HttpHeaders h, String type) {
    h.set(HttpHeaderNames.UPGRADE, type);
    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
  }
}

package io.wasmplane.dataplane.router;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * RouteConfiguration.internal_only_headers: removed from external requests before any filter runs. As in Envoy, a
 * request is internal when x-forwarded-for (as the connection manager left it) holds exactly one address, and that
 * address is internal (RFC 1918, loopback, or IPv6 unique-local).
 */
final class InternalOnlyHeaders {
  private InternalOnlyHeaders() {}

  static void strip(List<String> internalOnly, HttpHeaders headers) {
    if (internalOnly.isEmpty() || isInternal(headers.get("x-forwarded-for"))) {
      return;
    }
    for (String name : internalOnly) {
      headers.remove(name);
    }
  }

  static boolean isInternal(String xff) {
    if (xff == null || xff.isEmpty() || xff.indexOf(',') >= 0) {
      return false;
    }
    byte[] raw = NetUtil.createByteArrayFromIpAddressString(xff.trim());
    if (raw == null) {
      return false;
    }
    try {
      InetAddress a = InetAddress.getByAddress(raw);
      return a.isLoopbackAddress() || a.isSiteLocalAddress() || (raw.length == 16 && (raw[0] & 0xfe) == 0xfc);
    } catch (UnknownHostException e) {
      return false;
    }
  }
}

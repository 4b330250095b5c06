package io.wasmplane.dataplane.router;

import io.wasmplane.dataplane.config.RouteAction;

/** The Location of a route.v3.RedirectAction answer, built as Envoy builds it from the request. */
final class Redirects {
  private Redirects() {}

  /**
   * {@code uri}: the request target (path and query); {@code host}: the request's authority; {@code proto}: the
   * request's scheme as x-forwarded-proto says.
   */
  static String location(RouteAction.Redirect r, String uri, String host, String proto) {
    String scheme = r.scheme() != null ? r.scheme() : proto;
    String finalHost;
    if (r.host() != null) {
      finalHost = r.host();
    } else {
      finalHost = host == null ? "" : host;
      // A port the new scheme or port makes wrong goes: the redirect port replaces it, and the old scheme's default
      // port is dropped when the scheme changes (http://a:80 -> https://a).
      int colon = portColon(finalHost);
      if (colon >= 0) {
        String port = finalHost.substring(colon + 1);
        boolean remove = r.port() != 0;
        if (!scheme.equals(proto)) {
          remove |= proto.equals("https") && port.equals("443");
          remove |= proto.equals("http") && port.equals("80");
        }
        if (remove) {
          finalHost = finalHost.substring(0, colon);
        }
      }
    }
    if (r.port() != 0) {
      int colon = portColon(finalHost);
      finalHost = (colon >= 0 ? finalHost.substring(0, colon) : finalHost) + ":" + r.port();
    }
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    String query = q < 0 ? "" : uri.substring(q);
    String finalPath;
    if (r.path() != null) {
      // A query in path_redirect replaces the request's; strip_query drops the request's.
      finalPath = r.path().contains("?") || r.stripQuery() ? r.path() : r.path() + query;
    } else if (r.rewrite() != null) {
      finalPath = r.rewrite().rewritePath(path) + (r.stripQuery() ? "" : query);
    } else {
      finalPath = r.stripQuery() ? path : uri;
    }
    return scheme + "://" + finalHost + finalPath;
  }

  /** The index of the ':' before a port in host[:port] or [v6][:port]; -1 if none. */
  private static int portColon(String host) {
    int colon = host.lastIndexOf(':');
    if (colon < 0 || host.indexOf(']') > colon || (host.indexOf(']') < 0 && host.indexOf(':') != colon)) {
      return -1;
    }
    return colon;
  }
}

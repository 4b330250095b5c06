package io.wasmplane.dataplane.config;

/**
 * One route: what it matches and what it does, with the header edits of its whole chain (route, virtual host, route
 * configuration) in Envoy's order, and the per-filter configs combined over the same chain.
 */
public record RouteEntry(String name, RouteMatchSpec match, RouteAction action, HeaderMutations requestHeaders,
    HeaderMutations responseHeaders, PerFilterConfigs filterConfigs) {

  public RouteEntry(String name, RouteMatchSpec match, RouteAction action) {
    this(name, match, action, HeaderMutations.NONE, HeaderMutations.NONE);
  }

  public RouteEntry(String name, RouteMatchSpec match, RouteAction action, HeaderMutations requestHeaders,
      HeaderMutations responseHeaders) {
    this(name, match, action, requestHeaders, responseHeaders, PerFilterConfigs.NONE);
  }

  /** This route under its virtual host's (and route configuration's) per-filter configs. */
  RouteEntry under(PerFilterConfigs lessSpecific) {
    PerFilterConfigs merged = filterConfigs.under(lessSpecific);
    return merged == filterConfigs ? this : new RouteEntry(name, match, action, requestHeaders, responseHeaders, merged);
  }
}

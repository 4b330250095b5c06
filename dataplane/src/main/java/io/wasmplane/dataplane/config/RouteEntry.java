package io.wasmplane.dataplane.config;

/**
 * One route: what it matches and what it does, with the header edits of its whole chain (route, virtual host, route
 * configuration) in Envoy's order, and the per-filter configs it sees (its own over its virtual host's over its route
 * configuration's).
 */
public record RouteEntry(String name, RouteMatchSpec match, RouteAction action, HeaderMutations requestHeaders,
    HeaderMutations responseHeaders, PerFilterConfigs perFilterConfigs) {

  public RouteEntry(String name, RouteMatchSpec match, RouteAction action, HeaderMutations requestHeaders,
      HeaderMutations responseHeaders) {
    this(name, match, action, requestHeaders, responseHeaders, PerFilterConfigs.NONE);
  }

  public RouteEntry(String name, RouteMatchSpec match, RouteAction action) {
    this(name, match, action, HeaderMutations.NONE, HeaderMutations.NONE);
  }

  /** This route with the typed_per_filter_config of its virtual host and route configuration under its own. */
  RouteEntry inheriting(PerFilterConfigs outer) {
    PerFilterConfigs merged = perFilterConfigs.over(outer);
    return merged == perFilterConfigs ? this : new RouteEntry(name, match, action, requestHeaders, responseHeaders, merged);
  }
}

package io.wasmplane.dataplane.config;

/**
 * One route: what it matches and what it does, with the header edits of its whole chain (route, virtual host, route
 * configuration) in Envoy's order.
 */
public record RouteEntry(String name, RouteMatchSpec match, RouteAction action, HeaderMutations requestHeaders,
    HeaderMutations responseHeaders) {

  public RouteEntry(String name, RouteMatchSpec match, RouteAction action) {
    this(name, match, action, HeaderMutations.NONE, HeaderMutations.NONE);
  }
}

package io.wasmplane.dataplane.filters.cors;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.wasmplane.dataplane.config.CorsPolicyConfig;
import io.wasmplane.dataplane.config.PerFilterConfigs;
import io.wasmplane.dataplane.config.RouteAction;
import io.wasmplane.dataplane.config.RouteEntry;
import io.wasmplane.dataplane.http.FilterCallbacks;
import io.wasmplane.dataplane.http.FilterStatus;
import io.wasmplane.dataplane.http.HttpFilter;
import java.util.Optional;

/**
 * Envoy's CORS filter for one stream. A request with an Origin on a forwarding route with a policy is checked against
 * the allowed origins (counted valid/invalid); a preflight (OPTIONS with Access-Control-Request-Method) whose origin
 * is allowed is answered here with 200 and the access-control-* headers, one that is not is forwarded unless
 * forward_not_matching_preflights is false (then answered without them); other requests from an allowed origin get
 * access-control-allow-origin, -allow-credentials and -expose-headers on their response.
 */
final class CorsFilter implements HttpFilter {
  private final CorsFilterFactory factory;
  private final FilterCallbacks callbacks;
  private CorsPolicyConfig policy;
  /** The request's Origin when this is a CORS request from an allowed origin: its response gets the headers. */
  private String allowedOrigin;

  CorsFilter(CorsFilterFactory factory, FilterCallbacks callbacks) {
    this.factory = factory;
    this.callbacks = callbacks;
  }

  @Override
  public FilterStatus decodeHeaders(HttpRequest request, boolean endStream) {
    String origin = request.headers().get("origin");
    if (origin == null || origin.isEmpty()) {
      return FilterStatus.CONTINUE; // Envoy does nothing more either (and counts nothing)
    }
    if (!callbacks.routeTable().configuresFilter(factory.filterName(), true)) {
      return FilterStatus.CONTINUE; // no route has a policy: leave the route to the router
    }
    policy = policyFor(callbacks.route());
    if (policy == null) {
      return FilterStatus.CONTINUE;
    }
    boolean enabled = policy.drawEnabled();
    if (!enabled && !policy.drawShadowEnabled()) {
      return FilterStatus.CONTINUE;
    }
    boolean allowed = policy.allowsOrigin(origin);
    CorsFilterFactory.CorsStats stats = factory.stats(callbacks.connectionManagerStats());
    (allowed ? stats.originValid() : stats.originInvalid()).inc();
    if (!enabled) {
      return FilterStatus.CONTINUE; // shadow mode: evaluated and counted, not enforced
    }
    allowedOrigin = allowed ? origin : null;
    String requestMethod = request.headers().get("access-control-request-method");
    if (!HttpMethod.OPTIONS.equals(request.method()) || requestMethod == null || requestMethod.isEmpty()) {
      return FilterStatus.CONTINUE;
    }
    if (!allowed && policy.forwardsNotMatchingPreflights()) {
      return FilterStatus.CONTINUE;
    }
    callbacks.sendLocalReply(200, "", preflightHeaders(request, origin, allowed, requestMethod), "cors_response");
    return FilterStatus.STOP_ITERATION;
  }

  /** Route > virtual host > route configuration typed_per_filter_config, else the deprecated cors fields. */
  private CorsPolicyConfig policyFor(Optional<RouteEntry> route) {
    if (route.isEmpty() || !(route.get().action() instanceof RouteAction.Forward)) {
      return null; // Envoy: no route entry for direct responses and redirects
    }
    PerFilterConfigs configs = route.get().filterConfigs();
    return configs.forFilter(factory.filterName()) instanceof CorsPolicyConfig c ? c : configs.legacyCors();
  }

  private HttpHeaders preflightHeaders(HttpRequest request, String origin, boolean allowed, String requestMethod) {
    HttpHeaders h = new DefaultHttpHeaders();
    if (allowed) {
      h.set("access-control-allow-origin", origin);
    }
    if (policy.credentials()) {
      h.set("access-control-allow-credentials", "true");
    }
    if (!policy.allowMethods().isEmpty()) {
      h.set("access-control-allow-methods", policy.allowMethods().equals("*") ? requestMethod : policy.allowMethods());
    }
    if (!policy.allowHeaders().isEmpty()) {
      String requested = request.headers().get("access-control-request-headers");
      h.set("access-control-allow-headers", policy.allowHeaders().equals("*") ? (requested == null ? "" : requested) : policy.allowHeaders());
    }
    if (!policy.maxAge().isEmpty()) {
      h.set("access-control-max-age", policy.maxAge());
    }
    if (policy.privateNetworkAccess() && "true".equals(request.headers().get("access-control-request-private-network"))) {
      h.set("access-control-allow-private-network", "true");
    }
    return h;
  }

  @Override
  public FilterStatus encodeHeaders(HttpResponse response, boolean endStream) {
    if (allowedOrigin != null) {
      HttpHeaders h = response.headers();
      h.set("access-control-allow-origin", allowedOrigin);
      if (policy.credentials()) {
        h.set("access-control-allow-credentials", "true");
      }
      if (!policy.exposeHeaders().isEmpty()) {
        h.set("access-control-expose-headers", policy.exposeHeaders());
      }
    }
    return FilterStatus.CONTINUE;
  }
}

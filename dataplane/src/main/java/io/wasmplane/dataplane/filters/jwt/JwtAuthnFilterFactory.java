package io.wasmplane.dataplane.filters.jwt;

import io.wasmplane.dataplane.config.RouteTable;
import io.wasmplane.dataplane.http.FilterCallbacks;
import io.wasmplane.dataplane.http.HcmStats;
import io.wasmplane.dataplane.http.HttpFilter;
import io.wasmplane.dataplane.http.HttpFilterFactory;
import java.util.Optional;

/** One configured envoy.filters.http.jwt_authn: its translated config, its name (the per-route config key), its stats. */
final class JwtAuthnFilterFactory implements HttpFilterFactory {
  private record ScopedStats(HcmStats owner, JwtAuthnStats stats) {}

  private final String filterName;
  private final JwtAuthnConfig config;
  /** A one-entry cache: a static filter serves one connection manager; an ECDS one may serve several. */
  private volatile ScopedStats stats;

  JwtAuthnFilterFactory(String filterName, JwtAuthnConfig config) {
    this.filterName = filterName;
    this.config = config;
  }

  @Override
  public HttpFilter create(FilterCallbacks callbacks) {
    return new JwtAuthnFilter(this, callbacks);
  }

  JwtAuthnConfig config() {
    return config;
  }

  /** The stream's route's PerRouteConfig for this filter, if any (spares the route match when no route has one). */
  Optional<JwtPerRoute> perRoute(FilterCallbacks callbacks) {
    RouteTable routes = callbacks.routeTable();
    if (routes == null || !routes.configuresFilter(filterName, false)) {
      return Optional.empty();
    }
    return callbacks.route().flatMap(r -> r.filterConfigs().get(filterName, JwtPerRoute.class));
  }

  JwtAuthnStats stats(HcmStats hcm) {
    ScopedStats s = stats;
    if (s == null || s.owner() != hcm) {
      s = new ScopedStats(hcm, JwtAuthnStats.of(hcm::counter, config.statPrefix()));
      stats = s;
    }
    return s.stats();
  }
}

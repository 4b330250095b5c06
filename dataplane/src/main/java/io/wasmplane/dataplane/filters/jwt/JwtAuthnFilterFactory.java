package io.wasmplane.dataplane.filters.jwt;

import io.wasmplane.dataplane.http.FilterCallbacks;
import io.wasmplane.dataplane.http.HcmScoped;
import io.wasmplane.dataplane.http.HcmStats;
import io.wasmplane.dataplane.http.HttpFilter;
import io.wasmplane.dataplane.http.HttpFilterFactory;
import java.util.Optional;

/** One configured envoy.filters.http.jwt_authn: its translated config, its name (the per-route config key), its stats. */
final class JwtAuthnFilterFactory implements HttpFilterFactory {
  private final String filterName;
  private final JwtAuthnConfig config;
  private final HcmScoped<JwtAuthnStats> stats;

  JwtAuthnFilterFactory(String filterName, JwtAuthnConfig config) {
    this.filterName = filterName;
    this.config = config;
    this.stats = new HcmScoped<>(hcm -> JwtAuthnStats.of(hcm::counter, config.statPrefix()));
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
    return callbacks.routeFilterConfig(filterName, JwtPerRoute.class);
  }

  JwtAuthnStats stats(HcmStats hcm) {
    return stats.get(hcm);
  }
}

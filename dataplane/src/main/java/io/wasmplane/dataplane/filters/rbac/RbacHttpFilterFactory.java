package io.wasmplane.dataplane.filters.rbac;

import io.wasmplane.dataplane.config.RouteTable;
import io.wasmplane.dataplane.http.FilterCallbacks;
import io.wasmplane.dataplane.http.HcmStats;
import io.wasmplane.dataplane.http.HttpFilter;
import io.wasmplane.dataplane.http.HttpFilterFactory;

/** One configured envoy.filters.http.rbac: its translated config, its name (the key of per-route configs), its stats. */
final class RbacHttpFilterFactory implements HttpFilterFactory {
  /** The counters of the connection manager this filter runs in. */
  private record ScopedStats(HcmStats owner, RbacStats stats) {}

  private final String filterName;
  private final RbacHttpConfig config;
  /** A one-entry cache: a static filter serves one connection manager; an ECDS one may serve several. */
  private volatile ScopedStats stats;

  RbacHttpFilterFactory(String filterName, RbacHttpConfig config) {
    this.filterName = filterName;
    this.config = config;
  }

  @Override
  public HttpFilter create(FilterCallbacks callbacks) {
    return new RbacHttpFilter(this, callbacks);
  }

  /** The filter's config, or the RBACPerRoute of the route this request takes (most specific level). */
  /** The config for the stream's route: its RBACPerRoute if it has one, else the filter's own. */
  RbacHttpConfig configFor(FilterCallbacks callbacks) {
    RouteTable routes = callbacks.routeTable();
    if (routes == null || !routes.configuresFilter(filterName, false)) {
      return config; // no route overrides this filter: spare the route match
    }
    return callbacks.route().flatMap(r -> r.filterConfigs().get(filterName, RbacHttpConfig.class)).orElse(config);
  }

  /** Stat prefixes are the filter's own, also on routes with their own rules (as in Envoy). */
  RbacStats stats(HcmStats hcm) {
    ScopedStats s = stats;
    if (s == null || s.owner() != hcm) {
      s = new ScopedStats(hcm, RbacStats.of(hcm::counter, config.rulesStatPrefix(), config.shadowRulesStatPrefix()));
      stats = s;
    }
    return s.stats();
  }
}

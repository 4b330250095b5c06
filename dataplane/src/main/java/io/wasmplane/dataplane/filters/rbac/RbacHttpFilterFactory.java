package io.wasmplane.dataplane.filters.rbac;

import io.wasmplane.dataplane.http.FilterCallbacks;
import io.wasmplane.dataplane.http.HcmScoped;
import io.wasmplane.dataplane.http.HcmStats;
import io.wasmplane.dataplane.http.HttpFilter;
import io.wasmplane.dataplane.http.HttpFilterFactory;

/** One configured envoy.filters.http.rbac: its translated config, its name (the key of per-route configs), its stats. */
final class RbacHttpFilterFactory implements HttpFilterFactory {
  private final String filterName;
  private final RbacHttpConfig config;
  private final HcmScoped<RbacStats> stats;

  RbacHttpFilterFactory(String filterName, RbacHttpConfig config) {
    this.filterName = filterName;
    this.config = config;
    this.stats = new HcmScoped<>(hcm -> RbacStats.of(hcm::counter, config.rulesStatPrefix(), config.shadowRulesStatPrefix()));
  }

  @Override
  public HttpFilter create(FilterCallbacks callbacks) {
    return new RbacHttpFilter(this, callbacks);
  }

  /** The config for the stream's route: its RBACPerRoute if it has one, else the filter's own. */
  RbacHttpConfig configFor(FilterCallbacks callbacks) {
    return callbacks.routeFilterConfig(filterName, RbacHttpConfig.class).orElse(config);
  }

  /** Stat prefixes are the filter's own, also on routes with their own rules (as in Envoy). */
  RbacStats stats(HcmStats hcm) {
    return stats.get(hcm);
  }
}

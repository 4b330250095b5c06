package io.wasmplane.dataplane.filters.cors;

import io.wasmplane.dataplane.http.FilterCallbacks;
import io.wasmplane.dataplane.http.HcmScoped;
import io.wasmplane.dataplane.http.HcmStats;
import io.wasmplane.dataplane.http.HttpFilter;
import io.wasmplane.dataplane.http.HttpFilterFactory;
import io.wasmplane.dataplane.stats.Counter;

/** One configured CORS filter: its name (the key of its per-route configs) and its stats. */
final class CorsFilterFactory implements HttpFilterFactory {
  /** Envoy's http.<stat_prefix>.cors.* counters, of the connection manager this filter runs in. */
  record CorsStats(Counter originValid, Counter originInvalid) {}

  private final String filterName;
  private final HcmScoped<CorsStats> stats =
      new HcmScoped<>(hcm -> new CorsStats(hcm.counter("cors.origin_valid"), hcm.counter("cors.origin_invalid")));

  CorsFilterFactory(String filterName) {
    this.filterName = filterName;
  }

  String filterName() {
    return filterName;
  }

  @Override
  public HttpFilter create(FilterCallbacks callbacks) {
    return new CorsFilter(this, callbacks);
  }

  CorsStats stats(HcmStats hcm) {
    return stats.get(hcm);
  }
}

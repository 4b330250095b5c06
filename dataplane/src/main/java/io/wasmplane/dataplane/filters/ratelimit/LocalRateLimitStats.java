package io.wasmplane.dataplane.filters.ratelimit;

import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.StatsRegistry;

/** Envoy's {@code <stat_prefix>.http_local_rate_limit.*} counters (rooted at the server scope, not under http.). */
record LocalRateLimitStats(Counter enabled, Counter enforced, Counter rateLimited, Counter ok) {
  static LocalRateLimitStats of(StatsRegistry registry, String statPrefix) {
    String p = statPrefix + ".http_local_rate_limit.";
    return new LocalRateLimitStats(registry.counter(p + "enabled"), registry.counter(p + "enforced"),
        registry.counter(p + "rate_limited"), registry.counter(p + "ok"));
  }
}

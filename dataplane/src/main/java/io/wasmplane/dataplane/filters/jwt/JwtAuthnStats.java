package io.wasmplane.dataplane.filters.jwt;

import io.wasmplane.dataplane.stats.Counter;
import java.util.function.Function;

/** Envoy's jwt_authn counters, under http.<hcm stat_prefix>.jwt_authn.<filter stat_prefix>. */
record JwtAuthnStats(Counter allowed, Counter denied, Counter corsPreflightBypassed, Counter jwtCacheHit,
    Counter jwtCacheMiss) {
  static JwtAuthnStats of(Function<String, Counter> counter, String statPrefix) {
    String p = "jwt_authn." + statPrefix;
    return new JwtAuthnStats(counter.apply(p + "allowed"), counter.apply(p + "denied"), counter.apply(p + "cors_preflight_bypassed"),
        counter.apply(p + "jwt_cache_hit"), counter.apply(p + "jwt_cache_miss"));
  }
}

package io.wasmplane.dataplane.filters.ratelimit;

import io.envoyproxy.envoy.type.v3.TokenBucket;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.ConfigMatchers;
import java.time.Duration;
import java.util.Set;

/** A validated envoy.type.v3.TokenBucket. */
public record TokenBucketSpec(long maxTokens, long tokensPerFill, Duration fillInterval) {
  /** Envoy refuses faster refills ("fill_interval must be >= 50ms"). */
  static final Duration MIN_FILL_INTERVAL = Duration.ofMillis(50);

  public static TokenBucketSpec translate(TokenBucket b, String where) {
    ConfigMatchers.onlySupported(b, where, Set.of("max_tokens", "tokens_per_fill", "fill_interval"));
    if (b.getMaxTokens() == 0) {
      throw new ConfigException(where + ".max_tokens: must be greater than 0");
    }
    if (b.hasTokensPerFill() && b.getTokensPerFill().getValue() == 0) {
      throw new ConfigException(where + ".tokens_per_fill: must be greater than 0");
    }
    if (!b.hasFillInterval()) {
      throw new ConfigException(where + ".fill_interval: required");
    }
    Duration interval = Duration.ofSeconds(b.getFillInterval().getSeconds(), b.getFillInterval().getNanos());
    if (interval.isNegative() || interval.isZero()) {
      throw new ConfigException(where + ".fill_interval: must be greater than 0 (got " + interval + ")");
    }
    if (interval.compareTo(MIN_FILL_INTERVAL) < 0) {
      throw new ConfigException(where + ".fill_interval: must be >= 50ms (got " + interval.toMillis() + "ms), as in Envoy");
    }
    return new TokenBucketSpec(Integer.toUnsignedLong(b.getMaxTokens()),
        b.hasTokensPerFill() ? Integer.toUnsignedLong(b.getTokensPerFill().getValue()) : 1, interval);
  }
}

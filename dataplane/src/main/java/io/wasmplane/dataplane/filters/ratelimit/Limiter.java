package io.wasmplane.dataplane.filters.ratelimit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The buckets of one local rate limit config (shared by all workers, or one set per connection): the default bucket
 * (may be absent) and one per configured descriptor. Decides a request as Envoy's LocalRateLimiterImpl: every matched
 * descriptor, slowest fill rate first, takes a token; then the default bucket does, when no descriptor matched or
 * always_consume_default_token_bucket.
 */
final class Limiter {
  /** The outcome, and the bucket the x-ratelimit headers describe (null: none). */
  record Decision(boolean allowed, TokenBucket bucket) {}

  private static final Comparator<TokenBucket> SLOWEST_FIRST = Comparator.comparingDouble(TokenBucket::fillRate);

  private final TokenBucket defaultBucket;
  private final Map<List<DescriptorEntry>, TokenBucket> descriptors;
  private final boolean alwaysConsumeDefault;

  Limiter(TokenBucketSpec defaultSpec, Map<List<DescriptorEntry>, TokenBucketSpec> descriptorSpecs, boolean alwaysConsumeDefault) {
    this.defaultBucket = defaultSpec == null ? null : new TokenBucket(defaultSpec);
    Map<List<DescriptorEntry>, TokenBucket> d = new HashMap<>();
    descriptorSpecs.forEach((k, spec) -> d.put(k, new TokenBucket(spec)));
    this.descriptors = Map.copyOf(d);
    this.alwaysConsumeDefault = alwaysConsumeDefault;
  }

  Decision decide(List<List<DescriptorEntry>> requestDescriptors) {
    List<TokenBucket> matched = List.of();
    if (!descriptors.isEmpty() && !requestDescriptors.isEmpty()) {
      matched = new ArrayList<>(requestDescriptors.size());
      for (List<DescriptorEntry> d : requestDescriptors) {
        TokenBucket b = descriptors.get(d);
        if (b != null) {
          matched.add(b);
        }
      }
      matched.sort(SLOWEST_FIRST);
    }
    for (TokenBucket b : matched) {
      if (!b.tryConsume()) {
        return new Decision(false, b);
      }
    }
    TokenBucket shown = matched.isEmpty() ? defaultBucket : matched.get(0);
    if ((matched.isEmpty() || alwaysConsumeDefault) && defaultBucket != null && !defaultBucket.tryConsume()) {
      return new Decision(false, shown);
    }
    return new Decision(true, shown);
  }
}

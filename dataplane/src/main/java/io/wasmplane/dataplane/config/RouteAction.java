package io.wasmplane.dataplane.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** What a matched route does. */
public sealed interface RouteAction {

  /**
   * Forward upstream to one of the weighted clusters; a single {@code cluster} is one entry of weight 1.
   * {@code retryPolicy} is the route's or else its virtual host's ({@link RetryPolicy#NONE} without either); the
   * attempt count flags are the virtual host's {@code include_request_attempt_count} and
   * {@code include_attempt_count_in_response}.
   */
  record Forward(List<WeightedCluster> clusters, int totalWeight, Optional<String> prefixRewrite,
      Optional<String> hostRewriteLiteral, Duration timeout, String matchedPrefix, RetryPolicy retryPolicy,
      boolean requestAttemptCount, boolean responseAttemptCount) implements RouteAction {

    public Forward(List<WeightedCluster> clusters, int totalWeight, Optional<String> prefixRewrite,
        Optional<String> hostRewriteLiteral, Duration timeout, String matchedPrefix) {
      this(clusters, totalWeight, prefixRewrite, hostRewriteLiteral, timeout, matchedPrefix, RetryPolicy.NONE, false, false);
    }

    /** Picks a cluster for a random draw in [0, totalWeight). */
    public String pick(int draw) {
      int acc = 0;
      for (WeightedCluster wc : clusters) {
        acc += wc.weight();
        if (draw < acc) {
          return wc.name();
        }
      }
      return clusters.get(clusters.size() - 1).name();
    }
  }

  /** Answer locally with a status and an optional body. */
  record DirectResponse(int status, Optional<String> body) implements RouteAction {}

  record WeightedCluster(String name, int weight) {}
}

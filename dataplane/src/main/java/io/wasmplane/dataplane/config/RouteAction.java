package io.wasmplane.dataplane.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** What a matched route does. */
public sealed interface RouteAction {

  /** Forward upstream to one of the weighted clusters; a single {@code cluster} is one entry of weight 1. */
  record Forward(List<WeightedCluster> clusters, int totalWeight, Optional<String> prefixRewrite,
      Optional<String> hostRewriteLiteral, Duration timeout, String matchedPrefix) implements RouteAction {

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

package io.wasmplane.dataplane.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** What a matched route does. */
public sealed interface RouteAction {

  /**
   * Forward upstream to one of the weighted clusters (a single {@code cluster} is one entry of weight 1), or to the
   * cluster a request header names ({@code clusterHeader}). {@code retryPolicy} is the route's or else its virtual
   * host's ({@link RetryPolicy#NONE} without either); the attempt count flags are the virtual host's
   * {@code include_request_attempt_count} and {@code include_attempt_count_in_response}; {@code upgrades} are the
   * route's upgrade_configs overrides; {@code idleTimeout} is the route's idle_timeout, which replaces the HCM's
   * stream_idle_timeout once the route is chosen (zero disables it; null: not set, the HCM's applies).
   */
  record Forward(List<WeightedCluster> clusters, int totalWeight, String clusterHeader, int clusterNotFoundCode,
      PathRewrite pathRewrite, Optional<String> hostRewriteLiteral, HostRewrite hostRewrite, Duration timeout,
      StreamDuration streamDuration, List<Mirror> mirrors, RetryPolicy retryPolicy, boolean requestAttemptCount,
      boolean responseAttemptCount, UpgradeConfigs upgrades, Duration idleTimeout, HashPolicy hashPolicy)
      implements RouteAction {

    public Forward(List<WeightedCluster> clusters, int totalWeight, String clusterHeader, int clusterNotFoundCode,
        PathRewrite pathRewrite, Optional<String> hostRewriteLiteral, HostRewrite hostRewrite, Duration timeout,
        StreamDuration streamDuration, List<Mirror> mirrors, RetryPolicy retryPolicy, boolean requestAttemptCount,
        boolean responseAttemptCount, UpgradeConfigs upgrades) {
      this(clusters, totalWeight, clusterHeader, clusterNotFoundCode, pathRewrite, hostRewriteLiteral, hostRewrite, timeout,
          streamDuration, mirrors, retryPolicy, requestAttemptCount, responseAttemptCount, upgrades, null, HashPolicy.NONE);
    }

    public Forward(List<WeightedCluster> clusters, int totalWeight, String clusterHeader, int clusterNotFoundCode,
        PathRewrite pathRewrite, Optional<String> hostRewriteLiteral, HostRewrite hostRewrite, Duration timeout,
        StreamDuration streamDuration, List<Mirror> mirrors, RetryPolicy retryPolicy, boolean requestAttemptCount,
        boolean responseAttemptCount) {
      this(clusters, totalWeight, clusterHeader, clusterNotFoundCode, pathRewrite, hostRewriteLiteral, hostRewrite, timeout,
          streamDuration, mirrors, retryPolicy, requestAttemptCount, responseAttemptCount, UpgradeConfigs.NONE);
    }

    /** Picks a cluster for a random draw in [0, totalWeight). */
    public WeightedCluster pick(int draw) {
      int acc = 0;
      for (WeightedCluster wc : clusters) {
        acc += wc.weight();
        if (draw < acc) {
          return wc;
        }
      }
      return clusters.get(clusters.size() - 1);
    }
  }

  /** Answer locally with a status and an optional body. */
  record DirectResponse(int status, Optional<String> body) implements RouteAction {}

  /** Answer with a redirect (route.v3.RedirectAction); {@link io.wasmplane.dataplane.router.Redirects} builds the Location. */
  record Redirect(int status, String scheme, String host, int port, String path, PathRewrite rewrite, boolean stripQuery)
      implements RouteAction {}

  /**
   * A weighted cluster entry; {@code requestHeaders}/{@code responseHeaders} are the whole chain for requests sent to
   * it (its own level and the route's, virtual host's and route configuration's), null when it adds nothing itself.
   */
  record WeightedCluster(String name, int weight, Optional<String> hostRewriteLiteral, HeaderMutations requestHeaders,
      HeaderMutations responseHeaders) {
    public WeightedCluster(String name, int weight) {
      this(name, weight, Optional.empty(), null, null);
    }
  }

  /** route.v3 RequestMirrorPolicy: shadow a share of the requests (parts per million) to {@code cluster}. */
  record Mirror(String cluster, int fractionPerMillion, boolean disableShadowHostSuffix) {}

  /** Host rewrites besides the literal one: from a request header, from the path by regex, or the upstream's hostname. */
  record HostRewrite(String header, Pattern pathRegex, String pathSubstitution, boolean auto) {
    public static final HostRewrite NONE = new HostRewrite(null, null, null, false);
  }

  /**
   * route.v3.RouteAction.MaxStreamDuration: the whole stream's limit from its start ({@code max} zero = none);
   * with {@code grpcHeaderMax} set, a gRPC request's {@code grpc-timeout} (capped by it unless zero, less the offset)
   * takes its place.
   */
  record StreamDuration(Duration max, Duration grpcHeaderMax, Duration grpcHeaderOffset) {
    public static final StreamDuration NONE = new StreamDuration(Duration.ZERO, null, Duration.ZERO);
  }
}

package io.wasmplane.dataplane.filters.ratelimit;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.netty.util.AttributeKey;
import io.netty.util.AttributeMap;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.ConfigMatchers;
import io.wasmplane.dataplane.config.FilterConfigFields;
import io.wasmplane.dataplane.config.HeaderMutations;
import io.wasmplane.dataplane.config.RouteFilterConfig;
import io.wasmplane.dataplane.http.GrpcLocalReply;
import io.wasmplane.dataplane.http.HcmScoped;
import io.wasmplane.dataplane.http.HcmStats;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A translated envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit: the filter's own, or a route's (which
 * replaces it on that route, with its own bucket and stats). The bucket is shared by every worker, or (with
 * local_rate_limit_per_downstream_connection) one per downstream connection; without token_bucket (allowed at the
 * filter level only) nothing is limited.
 */
public final class LocalRateLimitConfig implements RouteFilterConfig {
  public static final String TYPE = LocalRateLimit.getDescriptor().getFullName();
  static final String BODY = "local_rate_limited";
  /** What a rate-limited gRPC call gets when asked for; otherwise the status mapped (429: UNAVAILABLE), as Envoy. */
  private static final int GRPC_RESOURCE_EXHAUSTED = 8;
  private static final int MAX_HEADERS = 10;
  /** Per-connection buckets, by config: only touched on the connection's event loop. */
  private static final AttributeKey<Map<LocalRateLimitConfig, TokenBucket>> CONNECTION_BUCKETS =
      AttributeKey.valueOf("wasmplane.http_local_rate_limit.buckets");

  private final String statPrefix;
  private final int status;
  private final TokenBucketSpec bucketSpec;
  private final TokenBucket sharedBucket;
  private final boolean perConnection;
  private final int enabledPpm;
  private final int enforcedPpm;
  private final HeaderMutations responseHeaders;
  private final HeaderMutations requestHeadersWhenNotEnforced;
  private final boolean rateLimitHeaders;
  private final int grpcStatus;
  private final HcmScoped<LocalRateLimitStats> stats;

  private LocalRateLimitConfig(LocalRateLimit p, String where, boolean perRoute) {
    // descriptors and rate_limits (descriptor-based limits), local_cluster_rate_limit and max_dynamic_descriptors are
    // not built: refused by name. stage, vh_rate_limits and always_consume_default_token_bucket only change which
    // descriptor buckets apply, so without descriptors they change nothing.
    ConfigMatchers.onlySupported(p, where, Set.of("stat_prefix", "status", "token_bucket", "filter_enabled", "filter_enforced",
        "request_headers_to_add_when_not_enforced", "response_headers_to_add", "local_rate_limit_per_downstream_connection",
        "enable_x_ratelimit_headers", "rate_limited_as_resource_exhausted", "stage", "vh_rate_limits",
        "always_consume_default_token_bucket"));
    if (p.getStatPrefix().isEmpty()) {
      throw new ConfigException(where + ".stat_prefix: required");
    }
    if (perRoute && !p.hasTokenBucket()) {
      throw new ConfigException(where + ".token_bucket: required in a per-route config (as in Envoy)");
    }
    if (p.getStage() > 10) {
      throw new ConfigException(where + ".stage: " + p.getStage() + " is out of range (0 to 10)");
    }
    if (p.getResponseHeadersToAddCount() > MAX_HEADERS) {
      throw new ConfigException(where + ".response_headers_to_add: at most " + MAX_HEADERS + " headers");
    }
    if (p.getRequestHeadersToAddWhenNotEnforcedCount() > MAX_HEADERS) {
      throw new ConfigException(where + ".request_headers_to_add_when_not_enforced: at most " + MAX_HEADERS + " headers");
    }
    statPrefix = p.getStatPrefix();
    int code = p.hasStatus() ? p.getStatus().getCodeValue() : 0;
    status = code < 400 ? 429 : code; // Envoy: anything below 400 (or unset) is 429
    if (status > 599) {
      throw new ConfigException(where + ".status.code: " + code + " is not an HTTP error status");
    }
    bucketSpec = p.hasTokenBucket() ? TokenBucketSpec.translate(p.getTokenBucket(), where + ".token_bucket") : null;
    perConnection = p.getLocalRateLimitPerDownstreamConnection();
    sharedBucket = bucketSpec != null && !perConnection ? new TokenBucket(bucketSpec) : null;
    enabledPpm = p.hasFilterEnabled() ? FilterConfigFields.runtimeFractionPpm(p.getFilterEnabled(), where + ".filter_enabled") : 0;
    enforcedPpm = p.hasFilterEnforced() ? FilterConfigFields.runtimeFractionPpm(p.getFilterEnforced(), where + ".filter_enforced") : 0;
    responseHeaders = FilterConfigFields.headersToAdd(p.getResponseHeadersToAddList(), where + ".response_headers_to_add", false);
    requestHeadersWhenNotEnforced = FilterConfigFields.headersToAdd(p.getRequestHeadersToAddWhenNotEnforcedList(),
        where + ".request_headers_to_add_when_not_enforced", true);
    if (p.getEnableXRatelimitHeaders() == XRateLimitHeadersRFCVersion.UNRECOGNIZED) {
      throw new ConfigException(where + ".enable_x_ratelimit_headers: unknown value " + p.getEnableXRatelimitHeadersValue());
    }
    rateLimitHeaders = p.getEnableXRatelimitHeaders() == XRateLimitHeadersRFCVersion.DRAFT_VERSION_03;
    grpcStatus = p.getRateLimitedAsResourceExhausted() ? GRPC_RESOURCE_EXHAUSTED : GrpcLocalReply.NONE;
    stats = new HcmScoped<>(hcm -> LocalRateLimitStats.of(hcm.registry(), statPrefix));
  }

  /** The filter's own config (http_filters or ECDS). */
  public static LocalRateLimitConfig translate(LocalRateLimit p, String where) {
    return new LocalRateLimitConfig(p, where, false);
  }

  /** A route's typed_per_filter_config (token_bucket required). */
  public static LocalRateLimitConfig perRoute(LocalRateLimit p, String where) {
    return new LocalRateLimitConfig(p, where, true);
  }

  /** The most specific level wins, whole (as Envoy's per-route local rate limit config). */
  @Override
  public RouteFilterConfig under(RouteFilterConfig lessSpecific) {
    return this;
  }

  boolean sampleEnabled() {
    return sample(enabledPpm);
  }

  boolean sampleEnforced() {
    return sample(enforcedPpm);
  }

  private static boolean sample(int ppm) {
    return ppm >= 1_000_000 || (ppm > 0 && ThreadLocalRandom.current().nextInt(1_000_000) < ppm);
  }

  /**
   * The bucket a request on {@code connection} takes its token from: the shared one, the connection's own, or null
   * (no token_bucket: nothing limited).
   */
  TokenBucket bucket(AttributeMap connection) {
    if (!perConnection || bucketSpec == null) {
      return sharedBucket;
    }
    if (connection == null) {
      return new TokenBucket(bucketSpec); // no connection to hang it on (not reached for a real downstream)
    }
    Map<LocalRateLimitConfig, TokenBucket> buckets = connection.attr(CONNECTION_BUCKETS).get();
    if (buckets == null) {
      buckets = new IdentityHashMap<>(2);
      connection.attr(CONNECTION_BUCKETS).set(buckets);
    }
    return buckets.computeIfAbsent(this, c -> new TokenBucket(bucketSpec));
  }

  LocalRateLimitStats stats(HcmStats hcm) {
    return stats.get(hcm);
  }

  int status() {
    return status;
  }

  int grpcStatus() {
    return grpcStatus;
  }

  HeaderMutations responseHeaders() {
    return responseHeaders;
  }

  HeaderMutations requestHeadersWhenNotEnforced() {
    return requestHeadersWhenNotEnforced;
  }

  boolean rateLimitHeaders() {
    return rateLimitHeaders;
  }
}

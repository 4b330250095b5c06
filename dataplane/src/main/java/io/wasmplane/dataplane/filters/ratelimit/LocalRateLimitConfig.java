package io.wasmplane.dataplane.filters.ratelimit;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A translated envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit: the filter's own, or a route's (which
 * replaces it on that route, with its own buckets and stats). The buckets (the default one and one per descriptor)
 * are shared by every worker, or (with local_rate_limit_per_downstream_connection) one set per downstream connection;
 * without token_bucket (allowed at the filter level only) only descriptors limit. Request descriptors come from the
 * filter's own rate_limits.
 */
public final class LocalRateLimitConfig implements RouteFilterConfig {
  public static final String TYPE = LocalRateLimit.getDescriptor().getFullName();
  static final String BODY = "local_rate_limited";
  /** What a rate-limited gRPC call gets when asked for; otherwise the status mapped (429: UNAVAILABLE), as Envoy. */
  private static final int GRPC_RESOURCE_EXHAUSTED = 8;
  private static final int MAX_HEADERS = 10;
  /** Per-connection limiters, by config: only touched on the connection's event loop. */
  private static final AttributeKey<Map<LocalRateLimitConfig, Limiter>> CONNECTION_BUCKETS =
      AttributeKey.valueOf("wasmplane.http_local_rate_limit.buckets");

  private final String statPrefix;
  private final int status;
  private final TokenBucketSpec bucketSpec;
  private final Map<List<DescriptorEntry>, TokenBucketSpec> descriptorSpecs;
  private final List<DescriptorPolicy> policies;
  private final boolean needsClient;
  private final boolean alwaysConsumeDefault;
  private final Limiter sharedLimiter;
  private final boolean perConnection;
  private final int enabledPpm;
  private final int enforcedPpm;
  private final HeaderMutations responseHeaders;
  private final HeaderMutations requestHeadersWhenNotEnforced;
  private final boolean rateLimitHeaders;
  private final int grpcStatus;
  private final HcmScoped<LocalRateLimitStats> stats;

  private LocalRateLimitConfig(LocalRateLimit p, String where, boolean perRoute) {
    // local_cluster_rate_limit and max_dynamic_descriptors (wildcard descriptors) are not built: refused by name.
    // stage and vh_rate_limits choose among route rate_limits, which are not read here (the filter's own are), so
    // they change nothing.
    ConfigMatchers.onlySupported(p, where, Set.of("stat_prefix", "status", "token_bucket", "filter_enabled", "filter_enforced",
        "request_headers_to_add_when_not_enforced", "response_headers_to_add", "local_rate_limit_per_downstream_connection",
        "enable_x_ratelimit_headers", "rate_limited_as_resource_exhausted", "stage", "vh_rate_limits",
        "always_consume_default_token_bucket", "descriptors", "rate_limits"));
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
    descriptorSpecs = descriptors(p, where);
    List<DescriptorPolicy> rls = new ArrayList<>();
    for (int i = 0; i < p.getRateLimitsCount(); i++) {
      rls.add(DescriptorPolicy.translate(p.getRateLimits(i), where + ".rate_limits[" + i + "]"));
    }
    policies = List.copyOf(rls);
    if (!descriptorSpecs.isEmpty() && policies.isEmpty()) {
      throw new ConfigException(where + ".descriptors: need this filter's rate_limits to make request descriptors "
          + "(route and virtual host rate_limits are not supported here)");
    }
    needsClient = policies.stream().anyMatch(DescriptorPolicy::needsClient);
    alwaysConsumeDefault = !p.hasAlwaysConsumeDefaultTokenBucket() || p.getAlwaysConsumeDefaultTokenBucket().getValue();
    perConnection = p.getLocalRateLimitPerDownstreamConnection();
    sharedLimiter = perConnection ? null : newLimiter();
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

  private static Map<List<DescriptorEntry>, TokenBucketSpec> descriptors(LocalRateLimit p, String where) {
    Map<List<DescriptorEntry>, TokenBucketSpec> out = new HashMap<>();
    for (int i = 0; i < p.getDescriptorsCount(); i++) {
      LocalRateLimitDescriptor d = p.getDescriptors(i);
      String w = where + ".descriptors[" + i + "]";
      ConfigMatchers.onlySupported(d, w, Set.of("entries", "token_bucket"));
      if (d.getEntriesCount() == 0) {
        throw new ConfigException(w + ".entries: at least one entry is required");
      }
      List<DescriptorEntry> entries = new ArrayList<>();
      for (int j = 0; j < d.getEntriesCount(); j++) {
        String ew = w + ".entries[" + j + "]";
        if (d.getEntries(j).getKey().isEmpty()) {
          throw new ConfigException(ew + ".key: required");
        }
        if (d.getEntries(j).getValue().isEmpty()) {
          throw new ConfigException(ew + ".value: required (wildcard descriptors are not supported)");
        }
        entries.add(new DescriptorEntry(d.getEntries(j).getKey(), d.getEntries(j).getValue()));
      }
      if (!d.hasTokenBucket()) {
        throw new ConfigException(w + ".token_bucket: required");
      }
      if (out.put(List.copyOf(entries), TokenBucketSpec.translate(d.getTokenBucket(), w + ".token_bucket")) != null) {
        throw new ConfigException(w + ": duplicate descriptor " + entries);
      }
    }
    return Map.copyOf(out);
  }

  private Limiter newLimiter() {
    return new Limiter(bucketSpec, descriptorSpecs, alwaysConsumeDefault);
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

  /** The buckets a request on {@code connection} takes its tokens from: the shared ones, or the connection's own. */
  Limiter limiter(AttributeMap connection) {
    if (!perConnection) {
      return sharedLimiter;
    }
    if (connection == null) {
      return newLimiter(); // no connection to hang it on (not reached for a real downstream)
    }
    Map<LocalRateLimitConfig, Limiter> limiters = connection.attr(CONNECTION_BUCKETS).get();
    if (limiters == null) {
      limiters = new IdentityHashMap<>(2);
      connection.attr(CONNECTION_BUCKETS).set(limiters);
    }
    return limiters.computeIfAbsent(this, LocalRateLimitConfig::newLimiter);
  }

  /** Whether requests need descriptors made (there are descriptors to match). */
  boolean hasDescriptors() {
    return !descriptorSpecs.isEmpty();
  }

  boolean needsClientAddress() {
    return needsClient;
  }

  /** The request's descriptors, one per rate_limits entry whose actions all apply. */
  List<List<DescriptorEntry>> requestDescriptors(DescriptorPolicy.Request r) {
    List<List<DescriptorEntry>> out = new ArrayList<>(policies.size());
    for (DescriptorPolicy policy : policies) {
      List<DescriptorEntry> d = policy.descriptor(r);
      if (d != null) {
        out.add(d);
      }
    }
    return out;
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

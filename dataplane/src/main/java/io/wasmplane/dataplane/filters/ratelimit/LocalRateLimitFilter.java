package io.wasmplane.dataplane.filters.ratelimit;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.wasmplane.dataplane.accesslog.AccessLogFormat;
import io.wasmplane.dataplane.config.RequestFacts;
import io.wasmplane.dataplane.http.FilterCallbacks;
import io.wasmplane.dataplane.http.FilterStatus;
import io.wasmplane.dataplane.http.HttpFilter;
import io.wasmplane.dataplane.http.HttpStream;
import io.wasmplane.dataplane.http.ResponseFlag;
import io.wasmplane.dataplane.http.StreamInfo;
import io.wasmplane.dataplane.http.TrustedClientAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Supplier;

/**
 * Envoy's HTTP local rate limit on one stream. For a request the filter is enabled for (counted enabled), tokens are
 * taken from its matched descriptors' buckets and the default one (ok) or not (rate_limited); a limited request the filter enforces (enforced) is answered locally with the
 * configured status, response_headers_to_add and response flag RL; one it does not enforce goes on with
 * request_headers_to_add_when_not_enforced. With x-ratelimit headers on, every response of an enabled request carries
 * them.
 */
final class LocalRateLimitFilter implements HttpFilter, HttpStream.StreamAware {
  static final String LIMIT = "x-ratelimit-limit";
  static final String REMAINING = "x-ratelimit-remaining";
  static final String RESET = "x-ratelimit-reset";
  /** Envoy marks every 429 local reply with it. */
  static final String ENVOY_RATELIMITED = "x-envoy-ratelimited";

  private final FilterCallbacks callbacks;
  private final Supplier<LocalRateLimitConfig> configForRoute;
  private LocalRateLimitConfig config;
  /** The bucket this request took (or failed to take) a token from; null when the filter did not apply. */
  private TokenBucket bucket;
  private HttpStream stream;

  LocalRateLimitFilter(FilterCallbacks callbacks, Supplier<LocalRateLimitConfig> configForRoute) {
    this.callbacks = callbacks;
    this.configForRoute = configForRoute;
  }

  @Override
  public void attach(HttpStream stream) {
    this.stream = stream;
  }

  @Override
  public FilterStatus decodeHeaders(HttpRequest request, boolean endStream) {
    config = configForRoute.get();
    if (!config.sampleEnabled()) {
      return FilterStatus.CONTINUE;
    }
    LocalRateLimitStats stats = config.stats(callbacks.connectionManagerStats());
    stats.enabled().inc();
    Limiter.Decision d = config.limiter(callbacks.streamInfo().downstreamConnection).decide(descriptors(request));
    bucket = d.bucket();
    if (d.allowed()) {
      stats.ok().inc();
      return FilterStatus.CONTINUE;
    }
    stats.rateLimited().inc();
    AccessLogFormat.Entry entry = new AccessLogFormat.Entry(callbacks.streamInfo(), request, null);
    if (!config.sampleEnforced()) {
      config.requestHeadersWhenNotEnforced().apply(request.headers(), entry);
      return FilterStatus.CONTINUE;
    }
    stats.enforced().inc();
    HttpHeaders extra = new DefaultHttpHeaders();
    if (config.status() == 429) {
      extra.set(ENVOY_RATELIMITED, "true");
    }
    config.responseHeaders().apply(extra, entry);
    addRateLimitHeaders(extra);
    callbacks.streamInfo().setFlag(ResponseFlag.RATE_LIMITED);
    callbacks.sendLocalReply(config.status(), LocalRateLimitConfig.BODY, extra, LocalRateLimitConfig.BODY, config.grpcStatus());
    return FilterStatus.STOP_ITERATION;
  }

  private List<List<DescriptorEntry>> descriptors(HttpRequest request) {
    if (!config.hasDescriptors()) {
      return List.of();
    }
    StreamInfo info = callbacks.streamInfo();
    InetSocketAddress client = config.needsClientAddress() && stream != null
        ? TrustedClientAddress.of(request.headers(), info.downstreamRemote, stream.runtime().config().useRemoteAddress()) : null;
    return config.requestDescriptors(new DescriptorPolicy.Request(RequestFacts.of(request), client));
  }

  @Override
  public FilterStatus encodeHeaders(HttpResponse response, boolean endStream) {
    addRateLimitHeaders(response.headers());
    return FilterStatus.CONTINUE;
  }

  /** DRAFT_VERSION_03's x-ratelimit-limit / remaining / reset, read from the bucket as the response goes out. */
  private void addRateLimitHeaders(HttpHeaders h) {
    if (bucket == null || !config.rateLimitHeaders()) {
      return;
    }
    h.set(LIMIT, bucket.maxTokens());
    h.set(REMAINING, bucket.remaining());
    h.set(RESET, bucket.secondsToNextFill());
  }
}

package io.wasmplane.dataplane.filters.ratelimit;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.ConfigMatchers;
import io.wasmplane.dataplane.config.HttpFilterConfig;
import io.wasmplane.dataplane.http.FilterCallbacks;
import io.wasmplane.dataplane.http.HttpFilterFactory;
import io.wasmplane.dataplane.http.HttpFilterRegistry;

/**
 * envoy.filters.http.local_ratelimit ({@code envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit}), in
 * http_filters or over ECDS: the config (and its bucket) is built once; each stream picks its route's config, if any.
 */
public final class LocalRateLimitFilterProvider implements HttpFilterRegistry.Provider {
  @Override
  public HttpFilterFactory create(HttpFilterConfig config, String where) {
    if (!(config.typedConfig() instanceof Any any)) {
      throw new ConfigException(where + ".typed_config: required (" + LocalRateLimitConfig.TYPE + ")");
    }
    String w = where + ".typed_config";
    LocalRateLimitConfig filterLevel = LocalRateLimitConfig.translate(ConfigMatchers.unpack(any, LocalRateLimit.class, w), w);
    String name = config.name();
    return callbacks -> new LocalRateLimitFilter(callbacks, () -> configFor(callbacks, name, filterLevel));
  }

  /**
   * The route's own LocalRateLimit if it has one (most specific level wins), else the filter's; asked when the request
   * headers reach the filter, so the route is matched on the headers as the filters before it left them.
   */
  private static LocalRateLimitConfig configFor(FilterCallbacks callbacks, String name, LocalRateLimitConfig filterLevel) {
    return callbacks.routeFilterConfig(name, LocalRateLimitConfig.class).orElse(filterLevel);
  }
}

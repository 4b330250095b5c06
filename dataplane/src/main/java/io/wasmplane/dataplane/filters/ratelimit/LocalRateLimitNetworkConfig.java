package io.wasmplane.dataplane.filters.ratelimit;

import io.envoyproxy.envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit;
import io.netty.channel.ChannelHandler;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.ConfigMatchers;
import io.wasmplane.dataplane.config.NativeNetworkFilter;
import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A translated envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit: each new connection takes a token
 * from this filter's bucket (shared by every worker, its own per filter and chain) or is closed at once; counted under
 * {@code local_ratelimit.<stat_prefix>.rate_limited}.
 */
public record LocalRateLimitNetworkConfig(String statPrefix, TokenBucket bucket, boolean enabled) implements NativeNetworkFilter {
  public static final String TYPE = LocalRateLimit.getDescriptor().getFullName();

  public static LocalRateLimitNetworkConfig translate(LocalRateLimit p, String where) {
    // share_key (one bucket across filters) is not built: refused by name.
    ConfigMatchers.onlySupported(p, where, Set.of("stat_prefix", "token_bucket", "runtime_enabled"));
    if (p.getStatPrefix().isEmpty()) {
      throw new ConfigException(where + ".stat_prefix: required");
    }
    if (!p.hasTokenBucket()) {
      throw new ConfigException(where + ".token_bucket: required");
    }
    TokenBucketSpec spec = TokenBucketSpec.translate(p.getTokenBucket(), where + ".token_bucket");
    if (p.hasRuntimeEnabled() && !p.getRuntimeEnabled().hasDefaultValue()) {
      throw new ConfigException(where + ".runtime_enabled.default_value: required");
    }
    // No runtime layer: runtime_enabled is its default value; unset is enabled.
    boolean enabled = !p.hasRuntimeEnabled() || p.getRuntimeEnabled().getDefaultValue().getValue();
    return new LocalRateLimitNetworkConfig(p.getStatPrefix(), new TokenBucket(spec), enabled);
  }

  @Override
  public Supplier<ChannelHandler> bind(StatsRegistry registry) {
    Counter rateLimited = registry.counter("local_ratelimit." + statPrefix + ".rate_limited");
    return () -> new LocalRateLimitNetworkFilter(this, rateLimited);
  }
}

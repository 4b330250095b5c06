package io.wasmplane.dataplane.config;

import com.google.protobuf.Any;
import java.util.Optional;

/**
 * A network filter that runs before the terminal one (today: envoy.filters.network.wasm); built by the server. Its
 * config is {@code typedConfig}, or, with {@code config_discovery}, comes over ECDS by the filter's name.
 */
public record NetworkFilterConfig(String name, Any typedConfig, Optional<HttpFilterConfig.Discovery> discovery) {
  public NetworkFilterConfig(String name, Any typedConfig) {
    this(name, typedConfig, Optional.empty());
  }
}

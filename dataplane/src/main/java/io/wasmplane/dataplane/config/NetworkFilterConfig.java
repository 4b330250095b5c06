package io.wasmplane.dataplane.config;

import com.google.protobuf.Any;
import java.util.Optional;

/**
 * A network filter that runs before the terminal one, built by the server: envoy.filters.network.wasm, whose config is
 * {@code typedConfig} or, with {@code config_discovery}, comes over ECDS by the filter's name; or a filter implemented
 * here ({@code nativeFilter}, e.g. envoy.filters.network.rbac), already translated.
 */
public record NetworkFilterConfig(String name, Any typedConfig, Optional<HttpFilterConfig.Discovery> discovery,
    NativeNetworkFilter nativeFilter) {
  public NetworkFilterConfig(String name, Any typedConfig, Optional<HttpFilterConfig.Discovery> discovery) {
    this(name, typedConfig, discovery, null);
  }

  public NetworkFilterConfig(String name, Any typedConfig) {
    this(name, typedConfig, Optional.empty());
  }

  public static NetworkFilterConfig of(String name, Any typedConfig, NativeNetworkFilter nativeFilter) {
    return new NetworkFilterConfig(name, typedConfig, Optional.empty(), nativeFilter);
  }

  /**
   * By name, typed config and discovery: a native filter is compiled from its typed config (and has no equality of
   * its own), so equal configs let an update keep the chain's shape (an in-place HCM swap).
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof NetworkFilterConfig c && name.equals(c.name) && java.util.Objects.equals(typedConfig, c.typedConfig)
        && discovery.equals(c.discovery) && (nativeFilter == null) == (c.nativeFilter == null);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(name, typedConfig, discovery);
  }
}

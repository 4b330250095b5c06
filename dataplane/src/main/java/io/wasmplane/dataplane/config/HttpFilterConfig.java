package io.wasmplane.dataplane.config;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Optional;

/**
 * One entry of http_filters: its name and its typed config (translated by the filter factory registry), or, for a
 * filter whose config comes from ECDS ({@code config_discovery}), how to get it.
 */
public record HttpFilterConfig(String name, String typeUrl, Message typedConfig, Optional<Discovery> discovery) {
  public HttpFilterConfig(String name, String typeUrl, Message typedConfig) {
    this(name, typeUrl, typedConfig, Optional.empty());
  }

  /** Envoy's ExtensionConfigSource: the ECDS resource is named like the filter. */
  public record Discovery(Optional<Any> defaultConfig, boolean applyDefaultConfigWithoutWarming, List<String> typeUrls) {
    public Discovery {
      typeUrls = List.copyOf(typeUrls);
    }
  }
}

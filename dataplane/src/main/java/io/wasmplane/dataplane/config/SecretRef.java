package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import java.util.Optional;

/**
 * An {@code SdsSecretConfig}: the secret's name and, for a dynamic secret, the config source it comes from (none =
 * a secret from {@code static_resources.secrets}).
 */
public record SecretRef(String name, Optional<ConfigSource> sdsConfig) {
  public boolean dynamic() {
    return sdsConfig.isPresent();
  }
}

package io.wasmplane.wasm;

import java.util.Arrays;
import java.util.Objects;

/**
 * Envoy's {@code PluginConfig}, already parsed.
 *
 * @param name the plugin name (logs, {@code plugin_name} property)
 * @param rootId selects the root context inside the VM ({@code plugin_root_id})
 * @param configuration PLUGIN_CONFIGURATION, passed to {@code proxy_on_configure}
 * @param allowOnHeadersStopIteration honour a real StopIteration from the headers callbacks
 */
public record PluginConfig(String name, String rootId, byte[] configuration, boolean allowOnHeadersStopIteration) {
  public PluginConfig {
    name = name == null ? "" : name;
    rootId = rootId == null ? "" : rootId;
    configuration = configuration == null ? new byte[0] : configuration.clone();
  }

  public static PluginConfig of(String name, String rootId, byte[] configuration) {
    return new PluginConfig(name, rootId, configuration, false);
  }

  @Override
  public byte[] configuration() {
    return configuration.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PluginConfig p
        && name.equals(p.name)
        && rootId.equals(p.rootId)
        && Arrays.equals(configuration, p.configuration)
        && allowOnHeadersStopIteration == p.allowOnHeadersStopIteration;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, rootId, Arrays.hashCode(configuration), allowOnHeadersStopIteration);
  }
}

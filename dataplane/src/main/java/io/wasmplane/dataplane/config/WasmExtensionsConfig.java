package io.wasmplane.dataplane.config;

import io.wasmplane.dataplane.wasm.PluginSpec;
import java.time.Duration;
import java.util.List;

/**
 * Bootstrap-level Wasm: stats sinks ({@code stats_sinks}: envoy.stat_sinks.wasm, flushed every
 * {@code stats_flush_interval}, Envoy's default 5 s) and background services ({@code bootstrap_extensions}:
 * envoy.bootstrap.wasm).
 */
public record WasmExtensionsConfig(List<PluginSpec> statsSinks, List<Service> services, Duration statsFlushInterval) {
  public static final WasmExtensionsConfig NONE = new WasmExtensionsConfig(List.of(), List.of(), Duration.ofSeconds(5));

  /** envoy.extensions.wasm.v3.WasmService: singleton = one VM on the main thread, else one per worker. */
  public record Service(PluginSpec plugin, boolean singleton) {}

  public boolean isEmpty() {
    return statsSinks.isEmpty() && services.isEmpty();
  }
}

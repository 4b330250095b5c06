package io.wasmplane.dataplane.wasm;

/** The Envoy extension point a plugin is configured for; it decides which root-context callbacks matter. */
public enum PluginKind {
  HTTP_FILTER,
  NETWORK_FILTER,
  ACCESS_LOGGER,
  STATS_SINK,
  SERVICE
}

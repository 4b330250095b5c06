package io.wasmplane.dataplane.config;

import com.google.protobuf.Any;

/** A network filter that runs before the terminal one (today: envoy.filters.network.wasm); built by the server. */
public record NetworkFilterConfig(String name, Any typedConfig) {}

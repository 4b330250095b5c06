package io.wasmplane.dataplane.config;

import com.google.protobuf.Message;

/** One entry of http_filters: its name and its typed config (translated by the filter factory registry). */
public record HttpFilterConfig(String name, String typeUrl, Message typedConfig) {}

package io.wasmplane.dataplane.http;

import io.wasmplane.dataplane.config.HttpFilterConfig;

/**
 * Where an HTTP filter with {@code config_discovery} gets its config (ECDS): the returned factory creates, for each
 * new stream, a filter from the config current at that moment. Set by the xDS side.
 */
public interface ExtensionConfigProvider {
  HttpFilterFactory discoveredFilter(String filterName, HttpFilterConfig.Discovery discovery, String where);
}

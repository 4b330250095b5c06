package io.wasmplane.dataplane.http;

/** Creates a filter instance for each stream; built once per config, shared by all workers. */
@FunctionalInterface
public interface HttpFilterFactory {
  HttpFilter create(FilterCallbacks callbacks);
}

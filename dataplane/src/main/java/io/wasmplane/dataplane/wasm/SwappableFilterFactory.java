package io.wasmplane.dataplane.wasm;

import io.wasmplane.dataplane.http.FilterCallbacks;
import io.wasmplane.dataplane.http.HttpFilter;
import io.wasmplane.dataplane.http.HttpFilterFactory;

/**
 * envoy.filters.http.wasm as the HTTP connection manager sees it: every stream takes the slot's current handle once, at
 * filter creation, and keeps it to the end. An ECDS update calls {@link #swap}: streams already running finish on the
 * old plugin instance, every stream created after the swap returns uses the new one.
 */
public final class SwappableFilterFactory implements HttpFilterFactory, AutoCloseable {
  private final PluginSlot slot;

  public SwappableFilterFactory(PluginHandle initial) {
    this.slot = new PluginSlot(initial);
  }

  @Override
  public HttpFilter create(FilterCallbacks callbacks) {
    return new WasmHttpFilter(callbacks, slot.acquire());
  }

  public void swap(PluginHandle next) {
    slot.swap(next);
  }

  public PluginHandle current() {
    return slot.peek();
  }

  @Override
  public void close() {
    slot.close();
  }
}

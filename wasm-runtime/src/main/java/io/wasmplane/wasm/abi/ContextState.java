package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.host.ContextHost;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;

/** The runtime's side of one plugin context (root, HTTP stream or connection). Touched only on its VM's thread. */
public final class ContextState {
  public enum Kind {
    ROOT,
    HTTP,
    NETWORK
  }

  final int id;
  final Kind kind;
  final ContextState root;
  ContextHost host;
  final PluginConfig plugin;
  /** What the plugin stored with proxy_set_property (Envoy's filter state), keyed by the raw path. */
  private Map<String, byte[]> properties;
  boolean closed;
  boolean pendingDone;
  ScheduledFuture<?> tick;
  /** HeaderMapFunctions' bounds of the writable maps' sizes; null until the plugin first writes a header. */
  long[] headerBytes;

  ContextState(int id, Kind kind, ContextState root, ContextHost host, PluginConfig plugin) {
    this.id = id;
    this.kind = kind;
    this.root = root == null ? this : root;
    this.host = host;
    this.plugin = plugin;
  }

  public int id() {
    return id;
  }

  public Kind kind() {
    return kind;
  }

  public PluginConfig plugin() {
    return plugin;
  }

  public boolean closed() {
    return closed;
  }

  byte[] property(String path) {
    return properties == null ? null : properties.get(path);
  }

  void setProperty(String path, byte[] value) {
    if (properties == null) {
      properties = new HashMap<>();
    }
    properties.put(path, value);
  }
}

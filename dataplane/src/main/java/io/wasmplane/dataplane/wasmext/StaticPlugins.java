package io.wasmplane.dataplane.wasmext;

import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.wasm.PluginHandle;
import io.wasmplane.dataplane.wasm.PluginKind;
import io.wasmplane.dataplane.wasm.PluginLoadException;
import io.wasmplane.dataplane.wasm.PluginSpec;
import io.wasmplane.dataplane.wasm.WasmPluginManager;

/** Prepares a plugin of static (bootstrap) config, waiting for its code as startup does; a failure names the config path. */
public final class StaticPlugins {
  private StaticPlugins() {}

  /** The caller owns the returned handle's reference and releases it when its owner closes. */
  public static PluginHandle prepare(WasmPluginManager manager, PluginSpec spec, PluginKind kind, String where) {
    return prepare(manager, spec, kind, where, WasmPluginManager.Mode.INITIAL);
  }

  /** As above, in {@code mode} (UPDATE: code that cannot be had fails the prepare instead of giving a failed plugin). */
  public static PluginHandle prepare(WasmPluginManager manager, PluginSpec spec, PluginKind kind, String where,
      WasmPluginManager.Mode mode) {
    try {
      return manager.prepareNow(spec, kind, mode);
    } catch (PluginLoadException e) {
      throw new ConfigException(where + ": " + e.getMessage(), e);
    }
  }
}

package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.PluginModule;
import io.wasmplane.wasm.RuntimeOptions;
import io.wasmplane.wasm.WasmException;
import io.wasmplane.wasm.WasmRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Finds built test plugins and caches each compiled module per execution mode, so a suite compiles once. */
final class TestPlugins {
  private static final Map<String, PluginModule> MODULES = new ConcurrentHashMap<>();
  private static final Map<ExecutionMode, WasmRuntime> LOADERS = new ConcurrentHashMap<>();

  private TestPlugins() {}

  static Path dir() {
    String configured = System.getProperty("wasmplane.plugins.dir");
    Path base = configured != null && !configured.isBlank() ? Path.of(configured) : Path.of("../plugins/build");
    return base;
  }

  static byte[] wat(String name) {
    Path file = dir().resolve("wat").resolve(name + ".wasm");
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("test plugin " + file + " is missing: run plugins/build.sh", e);
    }
  }

  /** The module compiled for this mode, shared by every test (PluginModule is immutable and thread-safe). */
  static PluginModule module(String name, ExecutionMode mode) {
    return MODULES.computeIfAbsent(name + "/" + mode, k -> {
      WasmRuntime loader = LOADERS.computeIfAbsent(mode,
          m -> WasmRuntime.create(RuntimeOptions.defaults().withMode(m)));
      try {
        return loader.load(wat(name));
      } catch (WasmException e) {
        throw new IllegalStateException("cannot load " + name + ": " + e.getMessage(), e);
      }
    });
  }
}

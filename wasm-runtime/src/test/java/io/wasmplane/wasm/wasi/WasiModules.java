package io.wasmplane.wasm.wasi;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import io.wasmplane.wasm.LogLevel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** Loads the WAT-built test modules and instantiates them against {@link ProxyWasi}, interpreted or compiled. */
final class WasiModules {
  enum Mode { INTERPRETED, COMPILED }

  /** Log lines as "LEVEL message". */
  static final class CapturedLog implements WasiLog {
    final List<String> lines = new ArrayList<>();

    @Override
    public void log(LogLevel level, String message) {
      lines.add(level + " " + message);
    }
  }

  private static final Map<String, WasmModule> MODULES = new ConcurrentHashMap<>();
  private static final Map<String, Function<Instance, com.dylibso.chicory.runtime.Machine>> COMPILED =
      new ConcurrentHashMap<>();

  private WasiModules() {}

  static Path pluginsDir() {
    String dir = System.getProperty("wasmplane.plugins.dir");
    if (dir == null) {
      throw new IllegalStateException("system property wasmplane.plugins.dir is not set (surefire sets it)");
    }
    return Path.of(dir);
  }

  static byte[] wasm(String name) throws IOException {
    Path p = pluginsDir().resolve("wat").resolve(name + ".wasm");
    if (!Files.exists(p)) {
      throw new IllegalStateException(p + " is missing: run plugins/build.sh first");
    }
    return Files.readAllBytes(p);
  }

  static WasmModule module(String name) {
    return MODULES.computeIfAbsent(name, n -> {
      try {
        return Parser.parse(wasm(n));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  static Instance instantiate(String name, Mode mode, WasiContext ctx) {
    WasmModule module = module(name);
    List<HostFunction> imports = new ArrayList<>(ProxyWasi.functions(ctx));
    imports.addAll(ProxyWasi.envSupport());
    Instance.Builder b = Instance.builder(module)
        .withImportValues(ImportValues.builder().addFunction(imports.toArray(new HostFunction[0])).build());
    if (mode == Mode.COMPILED) {
      b.withMachineFactory(COMPILED.computeIfAbsent(name, n -> MachineFactoryCompiler.compile(module)));
    }
    return b.build();
  }
}

package io.wasmplane.wasm.wasi;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every WASI (and Emscripten {@code env}) import of every plugin built in this repository, including the ones real
 * toolchains produced (wasi-libc via clang, AssemblyScript), must find a host function here with exactly its type,
 * or such plugins would fail to link.
 */
class SdkModulesLinkTest {
  @Test
  void everyBuiltPluginsWasiImportsResolveWithIdenticalTypes() throws Exception {
    Map<String, FunctionType> provided = new HashMap<>();
    List<HostFunction> all = new ArrayList<>(ProxyWasi.functions(WasiContext.of((l, m) -> {}, Map.of())));
    all.addAll(ProxyWasi.envSupport());
    for (HostFunction f : all) {
      provided.put(f.module() + "." + f.name(), f.functionType());
    }

    List<Path> modules;
    try (Stream<Path> files = Files.walk(WasiModules.pluginsDir())) {
      modules = files.filter(p -> p.toString().endsWith(".wasm")).sorted().collect(Collectors.toList());
    }
    List<String> checked = new ArrayList<>();
    List<String> fromToolchains = new ArrayList<>();
    for (Path file : modules) {
      WasmModule module = Parser.parse(file);
      boolean handWritten = file.getParent().getFileName().toString().equals("wat");
      for (int i = 0; i < module.importSection().importCount(); i++) {
        Import imp = module.importSection().getImport(i);
        String key = imp.module() + "." + imp.name();
        boolean ours = imp.module().startsWith("wasi_") || provided.containsKey(key);
        if (!(imp instanceof FunctionImport) || !ours) {
          continue;
        }
        FunctionType wanted = module.typeSection().getType(((FunctionImport) imp).typeIndex());
        assertThat(provided).as("%s imports %s", file.getFileName(), key).containsKey(key);
        assertThat(provided.get(key)).as("%s imports %s", file.getFileName(), key).isEqualTo(wanted);
        checked.add(file.getFileName() + ":" + key);
        if (!handWritten) {
          fromToolchains.add(key);
        }
      }
    }
    assertThat(checked).isNotEmpty();
    assertThat(fromToolchains).as("WASI imports of SDK-built plugins (C via wasi-libc, AssemblyScript)").isNotEmpty();
  }
}

package io.wasmplane.wasm.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import io.wasmplane.wasm.CompiledCodeCache;
import io.wasmplane.wasm.wasi.ProxyWasi;
import io.wasmplane.wasm.wasi.WasiContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompiledCodeCacheTest {
  private static final long BIG = 64L * 1024 * 1024;

  @TempDir Path dir;

  private static byte[] probeWasm() throws IOException {
    String plugins = System.getProperty("wasmplane.plugins.dir");
    Path p = Path.of(plugins, "wat", "wasi_probe_preview1.wasm");
    if (!Files.exists(p)) {
      throw new IllegalStateException(p + " is missing: run plugins/build.sh first");
    }
    return Files.readAllBytes(p);
  }

  /** Instantiates with the compiled factory and calls a function through a host import: the code really runs. */
  private static void assertRuns(WasmModule module, Function<Instance, Machine> factory) {
    List<HostFunction> imports = ProxyWasi.functions(WasiContext.of((l, m) -> {}, Map.of()));
    Instance inst = Instance.builder(module)
        .withImportValues(ImportValues.builder().addFunction(imports.toArray(new HostFunction[0])).build())
        .withMachineFactory(factory)
        .build();
    inst.memory().writeI32(100, -1);
    assertThat(inst.export("args_sizes_get").apply(100, 104)[0]).isZero();
    assertThat(inst.memory().readInt(100)).isZero();
  }

  @Test
  void aSecondCompileOfTheSameModuleLoadsFromDiskInsteadOfCompiling() throws Exception {
    byte[] wasm = probeWasm();
    CompiledCodeCache first = new CompiledCodeCache(dir, BIG);
    WasmModule m1 = Parser.parse(wasm);
    assertRuns(m1, MachineFactoryCompiler.builder(m1).withCache(first).compile());
    assertThat(first.misses()).isEqualTo(1);
    assertThat(first.hits()).isZero();
    assertThat(first.stores()).isEqualTo(1);
    assertThat(Files.exists(first.fileFor(m1.digest()))).isTrue();

    // a new process would have a new cache object and a new module object: only the directory is shared
    CompiledCodeCache second = new CompiledCodeCache(dir, BIG);
    WasmModule m2 = Parser.parse(wasm);
    assertRuns(m2, MachineFactoryCompiler.builder(m2).withCache(second).compile());
    assertThat(second.hits()).isEqualTo(1);
    assertThat(second.misses()).isZero();
    assertThat(second.stores()).isZero(); // Chicory stores only after compiling: it did not compile
  }

  @Test
  void aCorruptEntryIsAMissAndIsReplaced() throws Exception {
    byte[] wasm = probeWasm();
    WasmModule m1 = Parser.parse(wasm);
    CompiledCodeCache cache = new CompiledCodeCache(dir, BIG);
    MachineFactoryCompiler.builder(m1).withCache(cache).compile();
    Path file = cache.fileFor(m1.digest());
    byte[] stored = Files.readAllBytes(file);
    stored[stored.length / 2] ^= 0x55;
    Files.write(file, stored);

    CompiledCodeCache again = new CompiledCodeCache(dir, BIG);
    WasmModule m2 = Parser.parse(wasm);
    assertRuns(m2, MachineFactoryCompiler.builder(m2).withCache(again).compile());
    assertThat(again.hits()).isZero();
    assertThat(again.misses()).isEqualTo(1);
    assertThat(again.stores()).isEqualTo(1);

    Files.write(file, new byte[] {1, 2, 3}); // truncated
    CompiledCodeCache third = new CompiledCodeCache(dir, BIG);
    assertThat(third.get(m2.digest())).isNull();
    assertThat(Files.exists(file)).isFalse();
  }

  @Test
  void entriesRoundTripUnderSafeFileNames() throws Exception {
    CompiledCodeCache cache = new CompiledCodeCache(dir, BIG);
    String key = "sha-256:ab/../+=c d";
    assertThat(cache.get(key)).isNull();
    cache.putIfAbsent(key, new byte[] {1, 2, 3});
    cache.putIfAbsent(key, new byte[] {9}); // absent only: the first value stays
    assertThat(cache.get(key)).containsExactly(1, 2, 3);
    assertThat(cache.fileFor(key).getParent()).isEqualTo(dir);
    assertThat(cache.fileFor(key).getFileName().toString()).matches("[0-9a-f]{64}\\.chicory");
    assertThat(cache.hits()).isEqualTo(1);
    assertThat(cache.misses()).isEqualTo(1);
  }

  @Test
  void evictsLeastRecentlyUsedEntriesBeyondTheSizeLimit() throws Exception {
    int entry = 1000;
    CompiledCodeCache cache = new CompiledCodeCache(dir, 3L * (entry + 40)); // 40: header bytes
    cache.putIfAbsent("a", new byte[entry]);
    cache.putIfAbsent("b", new byte[entry]);
    cache.putIfAbsent("c", new byte[entry]);
    long t = System.currentTimeMillis() - 100_000;
    Files.setLastModifiedTime(cache.fileFor("a"), FileTime.fromMillis(t));
    Files.setLastModifiedTime(cache.fileFor("b"), FileTime.fromMillis(t + 1000));
    Files.setLastModifiedTime(cache.fileFor("c"), FileTime.fromMillis(t + 2000));
    assertThat(cache.get("a")).hasSize(entry); // a hit makes "a" the most recently used
    cache.putIfAbsent("d", new byte[entry]);
    assertThat(cache.get("b")).isNull(); // the oldest went
    assertThat(cache.get("a")).hasSize(entry);
    assertThat(cache.get("c")).hasSize(entry);
    assertThat(cache.get("d")).hasSize(entry);

    cache.putIfAbsent("huge", new byte[4 * entry]); // larger than the whole cache: not stored, nothing evicted
    assertThat(cache.get("huge")).isNull();
    assertThat(cache.get("a")).isNotNull();
  }

  @Test
  void concurrentWritersLeaveWholeEntriesAndNoTempFiles() throws Exception {
    CompiledCodeCache cache = new CompiledCodeCache(dir, BIG);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int t = 0; t < 4; t++) {
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 50; i++) {
            byte[] value = new byte[10_000 + i];
            value[0] = (byte) i;
            cache.putIfAbsent("k" + (i % 10), value);
            byte[] read = cache.get("k" + (i % 10));
            assertThat(read).isNotNull();
            assertThat(read.length - 10_000).isEqualTo(read[0]); // a whole entry: its length matches its content
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .hasSize(10).allMatch(n -> n.endsWith(".chicory") && !n.startsWith(".tmp-"));
    }
  }
}

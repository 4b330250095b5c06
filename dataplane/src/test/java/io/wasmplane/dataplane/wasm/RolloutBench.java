package io.wasmplane.dataplane.wasm;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Rollout benchmark (run by scripts/bench-rollout.sh, not by the tests): push -> first request served by the new
 * version, for a cached and an uncached remote module, and fetch + verify + compile + canary of a >= 1 MB module.
 * Loopback only: a JDK HttpServer serves the modules through a STATIC cluster; one data plane, 2 workers.
 */
public final class RolloutBench {
  private RolloutBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = Integer.parseInt(System.getProperty("rounds", "10"));
    Path cache = Files.createTempDirectory("wasm-bench-cache");
    System.setProperty("wasmplane.wasm.cache_dir", cache.toString());
    Path stampWat = Path.of(System.getProperty("stamp.wat", "dataplane/src/test/resources/wat/dp_stamp.wat"));
    String stampSrc = Files.readString(stampWat);
    Path work = Files.createTempDirectory("wasm-bench");
    try (ModuleServer server = new ModuleServer(new byte[0]); TestUpstream up = new TestUpstream("up")) {
      byte[] v0 = wat2wasm(work, "v0", variant(stampSrc, 0, 0, 0));
      Path v0File = work.resolve("v0.wasm");
      try (Dataplane dp = WasmTestSupport.start(HotSwapUnderLoadTest.filter(v0File, "boot"), up.port(),
          Bootstraps.staticCluster("modules", server.port(), null), 2)) {
        SwappableFilterFactory factory = WasmTestSupport.wasmFactory(dp);
        WasmPluginManager m = dp.server().wasmPlugins();
        HttpClient client = Http.h1();
        URI uri = URI.create("http://127.0.0.1:" + dp.port("ingress") + "/bench");
        for (int i = 0; i < 20; i++) {
          client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()); // warm up the JIT
        }
        List<Double> uncached = new ArrayList<>();
        List<Double> cached = new ArrayList<>();
        for (int r = 0; r < rounds + 2; r++) {
          // uncached: a module never seen (a distinct data segment gives it its own sha256)
          byte[] fresh = wat2wasm(work, "u" + r, variant(stampSrc, r + 1, 0, 0));
          server.put("/u" + r + ".wasm", fresh);
          double ms = pushAndWait(m, factory, client, uri, server.url("/u" + r + ".wasm"), Sha256.hex(fresh), "u" + r);
          // cached: the same module again, new configuration
          double cms = pushAndWait(m, factory, client, uri, server.url("/u" + r + ".wasm"), Sha256.hex(fresh), "c" + r);
          if (r >= 2) { // the first rounds warm the JIT of the fetch/compile path
            uncached.add(ms);
            cached.add(cms);
          }
        }
        byte[] big = wat2wasm(work, "big", variant(stampSrc, 999, 1_100_000, 3000));
        server.put("/big.wasm", big);
        long t0 = System.nanoTime();
        PluginHandle h = m.prepareNow(PluginSpec.from(WasmTestSupport.remote("stamp", "stamp", server.url("/big.wasm"), "modules",
            Sha256.hex(big), 30_000, 0, 1000, "big").build(), "bench"), PluginKind.HTTP_FILTER, WasmPluginManager.Mode.UPDATE);
        double bigMs = (System.nanoTime() - t0) / 1e6;
        h.release();
        long c0 = System.nanoTime();
        try (io.wasmplane.wasm.WasmRuntime fresh = io.wasmplane.wasm.WasmRuntime.create()) {
          fresh.load(big); // compile alone, no disk cache
        }
        double compileMs = (System.nanoTime() - c0) / 1e6;
        System.out.printf("push->ready uncached remote module (%d B): median %.1f ms, max %.1f ms over %d rounds%n", v0.length,
            median(uncached), Collections.max(uncached), uncached.size());
        System.out.printf("push->ready cached module: median %.1f ms, max %.1f ms over %d rounds%n", median(cached),
            Collections.max(cached), cached.size());
        System.out.printf("fetch+verify+compile+canary of a %.2f MB module: %.0f ms (compile alone, warm JIT: %.0f ms)%n",
            big.length / 1e6, bigMs, compileMs);
      }
    }
  }

  /** Prepare (UPDATE) + swap + requests until one is served by the new version; milliseconds from push to that response. */
  private static double pushAndWait(WasmPluginManager m, SwappableFilterFactory factory, HttpClient client, URI uri, String url,
      String sha, String version) throws Exception {
    long t0 = System.nanoTime();
    PluginHandle h = m.prepareNow(PluginSpec.from(WasmTestSupport.remote("stamp", "stamp", url, "modules", sha, 10_000, 0, 1000, version)
        .build(), "bench"), PluginKind.HTTP_FILTER, WasmPluginManager.Mode.UPDATE);
    factory.swap(h);
    for (int i = 0; i < 1000; i++) {
      HttpResponse<Void> r = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding());
      if (version.equals(r.headers().firstValue("x-config").orElse(""))) {
        return (System.nanoTime() - t0) / 1e6;
      }
    }
    throw new IllegalStateException("version " + version + " never served");
  }

  /** dp_stamp with a distinct marker segment, an optional large data segment and extra functions. */
  static String variant(String stampWat, int marker, int dataBytes, int functions) {
    StringBuilder extra = new StringBuilder();
    extra.append("  (data (i32.const 2048) \"variant-").append(marker).append("\")\n");
    if (dataBytes > 0) {
      StringBuilder seg = new StringBuilder();
      java.util.Random rnd = new java.util.Random(marker);
      for (int i = 0; i < dataBytes; i++) {
        seg.append(String.format("\\%02x", rnd.nextInt(256)));
      }
      extra.append("  (data (i32.const 65536) \"").append(seg).append("\")\n");
    }
    for (int i = 0; i < functions; i++) {
      extra.append("  (func $f").append(i).append(" (export \"f").append(i).append("\") (param i32) (result i32) ")
          .append("(i32.add (i32.mul (local.get 0) (i32.const ").append(i + 3).append(")) (i32.const ").append(i).append(")))\n");
    }
    String src = stampWat.replace("(memory (export \"memory\") 2)", "(memory (export \"memory\") " + (2 + dataBytes / 65536 + 1) + ")");
    int end = src.lastIndexOf(')');
    return src.substring(0, end) + extra + ")\n";
  }

  static byte[] wat2wasm(Path dir, String name, String wat) throws Exception {
    Path src = dir.resolve(name + ".wat");
    Path out = dir.resolve(name + ".wasm");
    Files.writeString(src, wat, StandardCharsets.UTF_8);
    Process p = new ProcessBuilder("wat2wasm", "--enable-all", src.toString(), "-o", out.toString()).redirectErrorStream(true).start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("wat2wasm failed: " + new String(p.getInputStream().readAllBytes()));
    }
    return Files.readAllBytes(out);
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }
}

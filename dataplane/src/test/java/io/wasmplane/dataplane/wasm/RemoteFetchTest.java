package io.wasmplane.dataplane.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Remote Wasm code through a STATIC cluster pointing at a real module server on loopback: sha256 pinning, retries,
 * timeouts, truncated and non-wasm bodies, negative cache, nack_on_code_cache_miss, and the disk cache across a
 * restart. Outcomes are asserted on the remote_load stats and on the server's request counts, never on timing.
 */
@Timeout(120)
class RemoteFetchTest {
  private Path cacheDir;
  private Path stamp;
  private byte[] module;
  private String sha;
  private ModuleServer server;
  private TestUpstream up;

  @BeforeEach
  void setUp() throws Exception {
    cacheDir = Files.createTempDirectory("wasm-cache");
    System.setProperty("wasmplane.wasm.cache_dir", cacheDir.toString());
    stamp = WasmTestSupport.wat("dp_stamp");
    module = Files.readAllBytes(stamp);
    sha = Sha256.hex(module);
    server = new ModuleServer(module);
    up = new TestUpstream("up");
  }

  @AfterEach
  void tearDown() {
    System.clearProperty("wasmplane.wasm.cache_dir");
    server.close();
    up.close();
  }

  private Dataplane start(String filterYaml) {
    return WasmTestSupport.start(filterYaml, up.port(), Bootstraps.staticCluster("modules", server.port(), null), 2);
  }

  /** A listener whose HCM has no Wasm filter; the test prepares plugins through the manager directly. */
  private Dataplane startPlain() {
    return start("");
  }

  private static String remoteFilter(String uri, String sha256, String failurePolicy) {
    return """
        - name: envoy.filters.http.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
            config:
              name: stamp
              root_id: stamp
              failure_policy: %s
              configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: remote-v1}
              vm_config:
                vm_id: stamp_vm
                code:
                  remote:
                    http_uri: {uri: "%s", cluster: modules, timeout: 2s}
                    sha256: "%s"
                    retry_policy: {num_retries: 2, retry_back_off: {base_interval: 0.02s, max_interval: 0.05s}}
        """.formatted(failurePolicy, uri, sha256);
  }

  private PluginSpec spec(String path, String sha256, int retries, long timeoutMs, boolean nack) {
    PluginConfig.Builder b = WasmTestSupport.remote("stamp", "stamp", server.url(path), "modules", sha256, timeoutMs, retries, 20, "v");
    b.getVmConfigBuilder().setNackOnCodeCacheMiss(nack);
    return PluginSpec.from(b.build(), "test");
  }

  private static long counter(Dataplane dp, String name) {
    return dp.server().stats().snapshot().counter(name);
  }

  @Test
  void correctSha256FromTheBootstrapServesAndASecondStartHitsTheDiskCache() throws Exception {
    try (Dataplane dp = start(remoteFilter(server.url("/good.wasm"), sha, "FAIL_CLOSED"))) {
      HttpResponse<String> r = Http.get(Http.h1(), "http://127.0.0.1:" + dp.port("ingress") + "/x");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().allValues("x-config")).containsExactly("remote-v1");
      assertThat(counter(dp, "wasm.remote_load_cache_misses")).isEqualTo(1);
      assertThat(counter(dp, "wasm.remote_load_fetch_successes")).isEqualTo(1);
      assertThat(dp.server().stats().snapshot().gauge("wasm.remote_load_cache_entries")).isEqualTo(1);
    }
    assertThat(Files.exists(cacheDir.resolve("modules").resolve(sha + ".wasm"))).isTrue();
    // A restart with the same module: the bytes come from disk, nothing is fetched.
    try (Dataplane dp = start(remoteFilter(server.url("/good.wasm"), sha, "FAIL_CLOSED"))) {
      HttpResponse<String> r = Http.get(Http.h1(), "http://127.0.0.1:" + dp.port("ingress") + "/x");
      assertThat(r.headers().allValues("x-config")).containsExactly("remote-v1");
      assertThat(counter(dp, "wasm.remote_load_cache_hits")).isEqualTo(1);
      assertThat(counter(dp, "wasm.remote_load_cache_misses")).isZero();
      assertThat(counter(dp, "wasm.remote_load_fetch_successes")).isZero();
      // a second plugin (another listener's) with the same module is a cache hit too
      PluginHandle h = dp.server().wasmPlugins().prepareNow(spec("/good.wasm", sha, 0, 2000, false), PluginKind.HTTP_FILTER,
          WasmPluginManager.Mode.UPDATE);
      assertThat(h.sha256()).contains(sha);
      h.release();
      assertThat(counter(dp, "wasm.remote_load_cache_hits")).isEqualTo(2);
    }
    assertThat(server.hits("/good.wasm")).isEqualTo(1);
  }

  @Test
  void wrongSha256NeverRunsAndNamesBothHashes() throws Exception {
    String wrong = "0".repeat(64);
    try (Dataplane dp = start(remoteFilter(server.url("/good.wasm"), wrong, "FAIL_CLOSED"))) {
      // First version: the listener warmed, the code could not be had, so the plugin fails closed.
      HttpResponse<String> r = Http.get(Http.h1(), "http://127.0.0.1:" + dp.port("ingress") + "/x");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.headers().allValues("x-config")).isEmpty();
      assertThat(server.hits("/good.wasm")).isEqualTo(3); // 1 + num_retries
      assertThat(counter(dp, "wasm.remote_load_fetch_failures")).isEqualTo(3);
      assertThat(WasmTestSupport.wasmFactory(dp).current().loadFailure()).get().asString()
          .contains("expected " + wrong).contains("got " + sha).contains(server.url("/good.wasm"));
      // An update with a wrong hash is a NACK naming the URI and both hashes; within 10 s it is negative-cached.
      String wrong2 = "1".repeat(64);
      assertThatThrownBy(() -> dp.server().wasmPlugins().prepareNow(spec("/good.wasm", wrong2, 1, 2000, false), PluginKind.HTTP_FILTER,
          WasmPluginManager.Mode.UPDATE)).isInstanceOf(PluginLoadException.class)
          .hasMessageContaining(server.url("/good.wasm")).hasMessageContaining("expected " + wrong2).hasMessageContaining("got " + sha);
      assertThatThrownBy(() -> dp.server().wasmPlugins().prepareNow(spec("/good.wasm", wrong2, 1, 2000, false), PluginKind.HTTP_FILTER,
          WasmPluginManager.Mode.UPDATE)).isInstanceOf(PluginLoadException.class).hasMessageContaining("within the last 10 s");
      assertThat(counter(dp, "wasm.remote_load_cache_negative_hits")).isEqualTo(1);
      assertThat(server.hits("/good.wasm")).isEqualTo(5);
    }
  }

  @Test
  void failOpenSkipsAPluginWhoseCodeCouldNotBeHad() throws Exception {
    try (Dataplane dp = start(remoteFilter(server.url("/missing.wasm"), sha, "FAIL_OPEN"))) {
      HttpResponse<String> r = Http.get(Http.h1(), "http://127.0.0.1:" + dp.port("ingress") + "/x");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().allValues("x-config")).isEmpty();
      assertThat(server.hits("/missing.wasm")).isEqualTo(3);
    }
  }

  @Test
  void badServersFailCleanlyWithRetriesCounted() throws Exception {
    try (Dataplane dp = startPlain()) {
      WasmPluginManager m = dp.server().wasmPlugins();
      assertThatThrownBy(() -> m.prepareNow(spec("/missing.wasm", sha, 1, 2000, false), PluginKind.HTTP_FILTER, WasmPluginManager.Mode.UPDATE))
          .hasMessageContaining(server.url("/missing.wasm")).hasMessageContaining("HTTP status 404").hasMessageContaining("2 attempt(s)");
      assertThat(server.hits("/missing.wasm")).isEqualTo(2);
      String sha2 = Sha256.hex((sha + "slow").getBytes());
      assertThatThrownBy(() -> m.prepareNow(spec("/slow.wasm", sha2, 1, 300, false), PluginKind.HTTP_FILTER, WasmPluginManager.Mode.UPDATE))
          .hasMessageContaining("timed out after 300 ms");
      String sha3 = Sha256.hex((sha + "truncated").getBytes());
      assertThatThrownBy(() -> m.prepareNow(spec("/truncated.wasm", sha3, 1, 2000, false), PluginKind.HTTP_FILTER, WasmPluginManager.Mode.UPDATE))
          .isInstanceOf(PluginLoadException.class).hasMessageContaining(server.url("/truncated.wasm"));
      assertThat(server.hits("/truncated.wasm")).isEqualTo(2);
      String sha4 = Sha256.hex((sha + "notwasm").getBytes());
      assertThatThrownBy(() -> m.prepareNow(spec("/notwasm.wasm", sha4, 1, 2000, false), PluginKind.HTTP_FILTER, WasmPluginManager.Mode.UPDATE))
          .hasMessageContaining("sha256 mismatch");
      // non-wasm bytes that do match their pinned hash are refused when loading, never run
      String textSha = Sha256.hex("<html>not a module</html>".getBytes());
      assertThatThrownBy(() -> m.prepareNow(spec("/notwasm.wasm", textSha, 0, 2000, false), PluginKind.HTTP_FILTER, WasmPluginManager.Mode.UPDATE))
          .hasMessageContaining("cannot load");
      assertThat(counter(dp, "wasm.remote_load_fetch_failures")).isEqualTo(8);
      assertThat(counter(dp, "wasm.remote_load_fetch_successes")).isEqualTo(1);
    }
  }

  @Test
  void nackOnCodeCacheMissFailsFastAndTheNextPushHitsTheCache() throws Exception {
    try (Dataplane dp = startPlain()) {
      WasmPluginManager m = dp.server().wasmPlugins();
      assertThatThrownBy(() -> m.prepareNow(spec("/good.wasm", sha, 0, 2000, true), PluginKind.HTTP_FILTER, WasmPluginManager.Mode.INITIAL))
          .hasMessageContaining(server.url("/good.wasm")).hasMessageContaining("code cache miss");
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (counter(dp, "wasm.remote_load_fetch_successes") == 0 && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      PluginHandle h = m.prepareNow(spec("/good.wasm", sha, 0, 2000, true), PluginKind.HTTP_FILTER, WasmPluginManager.Mode.INITIAL);
      assertThat(h.sha256()).contains(sha);
      h.release();
      assertThat(counter(dp, "wasm.remote_load_cache_hits")).isEqualTo(1);
      assertThat(server.hits("/good.wasm")).isEqualTo(1);
    }
  }

  @Test
  void concurrentRequestsForOneModuleShareOneFetchAndOneCompile() throws Exception {
    try (Dataplane dp = startPlain()) {
      WasmPluginManager m = dp.server().wasmPlugins();
      java.util.List<java.util.concurrent.CompletableFuture<PluginHandle>> all = new java.util.ArrayList<>();
      for (int i = 0; i < 6; i++) {
        // /slow.wasm answers after 3 s: every prepare below is issued while the one fetch is still running
        all.add(m.prepare(spec("/slow.wasm", sha, 0, 10_000, false), PluginKind.HTTP_FILTER, WasmPluginManager.Mode.UPDATE)
            .toCompletableFuture());
      }
      for (var f : all) {
        PluginHandle h = f.get(30, TimeUnit.SECONDS);
        assertThat(h.sha256()).contains(sha);
        h.release();
      }
      assertThat(server.hits("/slow.wasm")).isEqualTo(1);
      assertThat(counter(dp, "wasm.remote_load_fetch_successes")).isEqualTo(1);
    }
  }

  @Test
  void theDiskCacheIsBoundedAndEvictsTheLeastRecentlyUsed() throws Exception {
    Path dir = Files.createTempDirectory("wasm-lru");
    CodeCache cache = new CodeCache(new WasmCacheOptions(dir, 2500, 10_000_000, 10_000_000));
    byte[][] mods = new byte[3][];
    String[] shas = new String[3];
    for (int i = 0; i < 3; i++) {
      mods[i] = new byte[1000];
      java.util.Arrays.fill(mods[i], (byte) i);
      shas[i] = Sha256.hex(mods[i]);
    }
    cache.put(shas[0], mods[0]);
    Thread.sleep(20);
    cache.put(shas[1], mods[1]);
    Thread.sleep(20);
    assertThat(new CodeCache(new WasmCacheOptions(dir, 2500, 10_000_000, 10_000_000)).get(shas[0])).isEqualTo(mods[0]); // touch 0
    Thread.sleep(20);
    cache.put(shas[2], mods[2]);
    Path modules = dir.resolve("modules");
    assertThat(Files.exists(modules.resolve(shas[0] + ".wasm"))).isTrue();
    assertThat(Files.exists(modules.resolve(shas[1] + ".wasm"))).as("least recently used").isFalse();
    assertThat(Files.exists(modules.resolve(shas[2] + ".wasm"))).isTrue();
    // a corrupted file is a miss, never code we run
    Files.write(modules.resolve(shas[2] + ".wasm"), new byte[] {1, 2, 3});
    assertThat(new CodeCache(new WasmCacheOptions(dir, 2500, 10_000_000, 10_000_000)).get(shas[2])).isNull();
  }

  @Test
  void remoteCodeWithoutSha256IsAConfigError() {
    assertThatThrownBy(() -> PluginSpec.from(WasmTestSupport.remote("p", "r", server.url("/good.wasm"), "modules", "", 1000, 1, 20, "v")
        .build(), "ecds p")).isInstanceOf(ConfigException.class).hasMessageContaining("sha256: required");
  }
}

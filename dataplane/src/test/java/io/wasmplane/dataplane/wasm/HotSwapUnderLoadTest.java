package io.wasmplane.dataplane.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The swap point under load: concurrent requests through a real listener while the Wasm filter's handle is swapped 50
 * times between two versions of a real plugin (dp_stamp.wat stamps its configuration into x-config). Nothing may
 * fail, every response carries exactly one version, and a request that started after a swap returned and ended before
 * the next swap began is served by the version that swap installed. Old versions are torn down once idle.
 */
@Timeout(180)
class HotSwapUnderLoadTest {
  private static final int SWAPS = 50;
  private static final int CLIENTS = 4;

  record Swap(long begin, long end, String version) {}

  record Result(long start, long end, int status, List<String> versions) {}

  @Test
  void swapsUnderLoadDropNothingAndNewStreamsSeeTheNewVersion() throws Exception {
    java.nio.file.Path stamp = WasmTestSupport.wat("dp_stamp");
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = WasmTestSupport.start(filter(stamp, "v0"), up.port(), "", 2)) {
      SwappableFilterFactory factory = WasmTestSupport.wasmFactory(dp);
      WasmPluginManager manager = dp.server().wasmPlugins();
      HttpClient client = Http.h1();
      URI uri = URI.create("http://127.0.0.1:" + dp.port("ingress") + "/hello");
      ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
      List<Future<?>> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        clients.add(pool.submit(() -> {
          for (int i = 0; i < 20_000 && !stop.get(); i++) {
            long start = System.nanoTime();
            try {
              HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                  HttpResponse.BodyHandlers.ofString());
              results.add(new Result(start, System.nanoTime(), r.statusCode(), r.headers().allValues("x-config")));
            } catch (Exception e) {
              errors.add(e);
            }
          }
        }));
      }
      List<PluginHandle> old = new ArrayList<>();
      List<Swap> swaps = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      for (int i = 1; i <= SWAPS && System.nanoTime() < deadline; i++) {
        String version = i % 2 == 1 ? "v1" : "v2";
        PluginHandle next = manager.prepareNow(PluginSpec.from(WasmTestSupport.localStamp(stamp, "stamp", version), "test"),
            PluginKind.HTTP_FILTER, WasmPluginManager.Mode.UPDATE);
        old.add(factory.current());
        long begin = System.nanoTime();
        factory.swap(next);
        swaps.add(new Swap(begin, System.nanoTime(), version));
        Thread.sleep(100); // let requests start and finish between swaps (a new version's first stream per worker starts its VM)
      }
      Thread.sleep(100);
      stop.set(true);
      for (Future<?> f : clients) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();

      assertThat(swaps).hasSize(SWAPS);
      assertThat(errors).isEmpty();
      assertThat(results.size()).isGreaterThan(SWAPS);
      int checked = 0;
      for (Result r : results) {
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.versions()).hasSize(1);
        assertThat(r.versions().get(0)).isIn("v0", "v1", "v2");
        int k = lastSwapBefore(swaps, r.start());
        if (k >= 0 && (k + 1 == swaps.size() || r.end() < swaps.get(k + 1).begin())) {
          // started after swap k returned, ended before swap k+1 began: only swap k's version can have served it
          assertThat(r.versions().get(0)).as("request started after swap %d", k).isEqualTo(swaps.get(k).version());
          checked++;
        }
      }
      assertThat(checked).isGreaterThan(0);

      // Every swapped-out version is released once its last stream ended, and its VMs are gone with it.
      for (PluginHandle h : old) {
        h.whenReleased().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (manager.liveVms() > 2 && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      assertThat(manager.liveVms()).as("VMs of the serving version only (one per worker at most)").isLessThanOrEqualTo(2);
      // still serving the last version
      HttpResponse<String> last = Http.get(client, uri.toString());
      assertThat(last.headers().allValues("x-config")).containsExactly(swaps.get(swaps.size() - 1).version());
    }
  }

  @Test
  void aListenerUpdateReleasesThePluginVersionsOfTheReplacedChain() throws Exception {
    java.nio.file.Path stamp = WasmTestSupport.wat("dp_stamp");
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = WasmTestSupport.start(filter(stamp, "v0"), up.port(), "", 2)) {
      String url = "http://127.0.0.1:" + dp.port("ingress") + "/x";
      assertThat(Http.get(Http.h1(), url).headers().allValues("x-config")).containsExactly("v0");
      PluginHandle before = WasmTestSupport.wasmFactory(dp).current();
      dp.server().updateListener(dp.server().listeners().get("ingress").runtime().config());
      assertThat(WasmTestSupport.wasmFactory(dp).current()).isNotSameAs(before);
      before.whenReleased().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(Http.get(Http.h1(), url).headers().allValues("x-config")).containsExactly("v0");
    }
  }

  private static int lastSwapBefore(List<Swap> swaps, long t) {
    int k = -1;
    for (int i = 0; i < swaps.size(); i++) {
      if (swaps.get(i).end() < t) {
        k = i;
      }
    }
    return k;
  }

  static String filter(java.nio.file.Path wasm, String version) {
    return """
        - name: envoy.filters.http.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
            config:
              name: stamp
              root_id: stamp
              configuration:
                "@type": type.googleapis.com/google.protobuf.StringValue
                value: "%s"
              vm_config:
                vm_id: stamp_vm
                runtime: envoy.wasm.runtime.v8
                code:
                  local: {filename: "%s"}
        """.formatted(version, wasm);
  }
}

package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.counter;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.controlplane.ControlPlane;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.TestUpstream;
import io.wasmplane.dataplane.wasm.WasmTestSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rollout promise end to end: steady load through a data plane (two workers) while our control-plane-stub swaps
 * the plugin 100 times by edits of its rollout file, alternating between two modules (the AssemblyScript SDK's
 * as_config_echo and the hand-written dp_stamp.wat) that both stamp their configuration, here the version label
 * {@code s<k>}, into {@code x-config}. Code comes over ECDS as a remote source from the stub's module server.
 *
 * <p>Asserted: no request fails, every response carries exactly one version, and no request that started after the
 * stub received the data plane's ACK of version k was served by a version older than k (the ACK time is taken by a
 * listener on the stub's ACK handling, so it is what the control plane observed).
 */
@Timeout(150)
class StubRolloutUnderLoadTest {
  private static final int SWAPS = 100;
  private static final int CLIENTS = 4;
  private static final Duration SWAP_BUDGET = Duration.ofSeconds(90);

  @TempDir
  Path dir;

  record Result(long start, long end, int status, List<String> stamps) {}

  private static String rollout(int k, Path module, int listenerPort, int upstreamPort) {
    return """
        moduleServer: { cluster: wasm_modules, timeout: 5s, numRetries: 2 }
        plugins:
          - name: stamp
            type: HTTP
            rootId: as_config_echo
            vmId: rollout
            version: s%d
            module: %s
            pluginConfig: "s%d"
        """.formatted(k, module, k) + StubRollouts.rdsListener("l1", listenerPort) + """
        routes:
          - name: r1
            virtualHosts: [{ name: all, domains: ["*"], routes: [{ match: { prefix: / }, route: { cluster: c1 } }] }]
        clusters:
          - name: c1
            type: STATIC
            connectTimeout: 1s
            loadAssignment:
              clusterName: c1
              endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: 127.0.0.1, portValue: %d } } } }] }]
        """.formatted(upstreamPort);
  }

  /** Replaces the file in one step, so the stub's watcher never reads half an edit. */
  private static void write(Path file, String content) throws Exception {
    Path tmp = Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void oneHundredSwapsUnderLoadDropNothingAndNothingOldServesAfterTheAck() throws Exception {
    Path[] modules = {WasmTestSupport.plugin("assemblyscript/as_config_echo.wasm"), WasmTestSupport.wat("dp_stamp")};
    int port = Ports.freePort();
    Path file = dir.resolve("rollout.yaml");
    Map<Integer, Long> pushedAt = new ConcurrentHashMap<>();
    Map<Integer, Long> ackedAt = new ConcurrentHashMap<>();
    try (TestUpstream up = new TestUpstream("up")) {
      write(file, rollout(0, modules[0], port, up.port()));
      pushedAt.put(0, System.nanoTime());
      try (ControlPlane stub = ControlPlane.start(new ControlPlane.Options(file, "127.0.0.1", 0, 0, Duration.ofMillis(10)));
          Dataplane dp = Dataplane.start(BootstrapLoader.fromText(Resources.bootstrap("dp-rollout", "default", stub.xdsPort(), "GRPC"), "t"),
              Dataplane.Options.defaults().withConcurrency(2).withDrainTime(Duration.ofSeconds(1)))) {
        stub.nodes().addAckListener((node, filter, label) -> {
          if (node.equals("dp-rollout") && filter.equals("stamp")) {
            ackedAt.putIfAbsent(Integer.parseInt(label.substring(1)), System.nanoTime());
          }
        });
        HttpClient client = Http.h1();
        URI uri = URI.create("http://127.0.0.1:" + port + "/x");
        await("version s0 serving", () -> {
          try {
            return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding())
                .headers().allValues("x-config").equals(List.of("s0"));
          } catch (java.io.IOException e) {
            return false;
          }
        });
        ackedAt.putIfAbsent(0, System.nanoTime()); // the listener may have been added after s0's ACK

        ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> load = new ArrayList<>();
        long loadDeadline = System.nanoTime() + SWAP_BUDGET.toNanos() + TimeUnit.SECONDS.toNanos(5);
        for (int c = 0; c < CLIENTS; c++) {
          load.add(pool.submit(() -> {
            for (int i = 0; i < 100_000 && !stop.get() && System.nanoTime() < loadDeadline; i++) {
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

        long swapDeadline = System.nanoTime() + SWAP_BUDGET.toNanos();
        int swapped = 0;
        for (int k = 1; k <= SWAPS && System.nanoTime() < swapDeadline; k++) {
          pushedAt.put(k, System.nanoTime());
          write(file, rollout(k, modules[k % 2], port, up.port()));
          long ackDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
          while (!ackedAt.containsKey(k) && System.nanoTime() < ackDeadline) {
            Thread.sleep(2);
          }
          assertThat(ackedAt).as("ACK of s%d within 15 s", k).containsKey(k);
          swapped = k;
          Thread.sleep(15); // requests that start after this ACK and finish before the next push
        }
        Thread.sleep(50);
        stop.set(true);
        for (Future<?> f : load) {
          f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();

        assertThat(swapped).as("swaps done within %s", SWAP_BUDGET).isEqualTo(SWAPS);
        assertThat(errors).as("failed requests").isEmpty();
        assertThat(results.size()).isGreaterThan(SWAPS);
        int afterAck = 0;
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        for (Result r : results) {
          assertThat(r.status()).isEqualTo(200);
          assertThat(r.stamps()).as("stamped by exactly one version").hasSize(1);
          assertThat(r.stamps().get(0)).matches("s\\d+");
          int served = Integer.parseInt(r.stamps().get(0).substring(1));
          seen.add(served);
          assertThat(pushedAt.get(served)).as("s%d was pushed before a response it served ended", served).isLessThan(r.end());
          int lastAcked = -1;
          for (var e : ackedAt.entrySet()) {
            if (e.getValue() < r.start() && e.getKey() > lastAcked) {
              lastAcked = e.getKey();
            }
          }
          assertThat(served).as("a request started after the ACK of s%d", lastAcked).isGreaterThanOrEqualTo(lastAcked);
          if (lastAcked >= 1) {
            afterAck++;
          }
        }
        assertThat(afterAck).as("requests that started after some swap's ACK").isGreaterThan(SWAPS);
        assertThat(seen.size()).as("versions seen serving").isGreaterThan(SWAPS / 4);

        assertThat(counter(dp, "extension_config_discovery.http_filter.stamp.config_fail")).isZero();
        assertThat(counter(dp, "extension_config_discovery.http_filter.stamp.config_reload")).isEqualTo(SWAPS + 1);
        assertThat(stub.nodes().view()).singleElement().satisfies(n ->
            assertThat(n.plugins()).singleElement().satisfies(p -> {
              assertThat(p.running()).isEqualTo("s" + SWAPS);
              assertThat(p.rejected()).isNull();
            }));
        // The swapped-out versions are released once idle: only the serving version's VMs (one per worker) stay.
        await("old plugin VMs released", () -> dp.server().wasmPlugins().liveVms() <= 2);
      }
    }
  }
}

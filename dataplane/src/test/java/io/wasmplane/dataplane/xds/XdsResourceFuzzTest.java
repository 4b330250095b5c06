package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.ads;
import static io.wasmplane.dataplane.xds.Resources.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.StringValue;
import io.envoyproxy.envoy.config.core.v3.AsyncDataSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.envoyproxy.envoy.extensions.wasm.v3.VmConfig;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.FuzzBudget;
import io.wasmplane.dataplane.testing.ProtoMutator;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded random mutations of valid Listener / Cluster / RouteConfiguration / ECDS TypedExtensionConfig resources (inside
 * their Any payloads too) pushed through the real xDS path to an embedded data plane: every case is ACKed (and the
 * restored config serves again) or NACKed with an error_detail naming the resource while the last good config keeps
 * serving; never a crash; heap after GC stays within a generous bound.
 */
@Timeout(600)
class XdsResourceFuzzTest {
  private static final Duration FUZZ_WAIT = Duration.ofSeconds(20);
  static final String LDS = EcdsWasmFilterTest.LDS;
  static final String CDS = EcdsWasmFilterTest.CDS;
  static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  static final String ECDS = EcdsWasmFilterTest.ECDS;
  static final Path PLUGIN = EcdsWasmFilterTest.PLUGIN;
  static final long HEAP_GROWTH_BOUND = 96L << 20;

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

  record Resource(String typeUrl, String name, Message valid) {}

  static TypedExtensionConfig plugin() {
    Wasm wasm = Wasm.newBuilder().setConfig(PluginConfig.newBuilder().setName("fuzz_plugin").setRootId("as_headers")
        .setConfiguration(Any.pack(StringValue.of("stamp=good")))
        .setVmConfig(VmConfig.newBuilder().setVmId("fuzz_vm").setRuntime("envoy.wasm.runtime.v8")
            .setCode(AsyncDataSource.newBuilder().setLocal(DataSource.newBuilder().setFilename(PLUGIN.toString())))))
        .build();
    return TypedExtensionConfig.newBuilder().setName("headers").setTypedConfig(Any.pack(wasm)).build();
  }

  static io.envoyproxy.envoy.config.listener.v3.Listener listener(int port) {
    HttpConnectionManager.Builder hcm = Resources.hcm("r1").clearHttpFilters()
        .addHttpFilters(HttpFilter.newBuilder().setName("headers").setConfigDiscovery(ExtensionConfigSource.newBuilder()
            .setConfigSource(ads()).addTypeUrls("type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm")))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())));
    return Resources.listener("l1", port, hcm);
  }

  @Test
  void mutatedResourcesAreAckedOrNackedAndTheLastGoodConfigKeepsServing() throws Exception {
    assertThat(Files.exists(PLUGIN)).as("build the plugins first (plugins/build.sh): " + PLUGIN).isTrue();
    int port = freePort();
    TreeMap<String, Integer> outcomes = new TreeMap<>();
    try (SmallAdsServer ads = new SmallAdsServer(); TestUpstream upstream = new TestUpstream("up")) {
      List<Resource> resources = List.of(
          new Resource(CDS, "c1", staticCluster("c1", upstream.port())),
          new Resource(ECDS, "headers", plugin()),
          new Resource(RDS, "r1", Resources.route("r1", "c1")),
          new Resource(LDS, "l1", listener(port)));
      for (Resource r : resources) {
        ads.set(r.typeUrl(), r.valid());
      }
      try (Dataplane dp = Resources.startDataplane("fuzz", ads.port(), "GRPC")) {
        Await.until("the valid config serves", FUZZ_WAIT, () -> served(port));
        long heapBefore = usedHeapAfterGc();
        FuzzBudget budget = FuzzBudget.of(6, 60);
        ProtoMutator mutator = new ProtoMutator(budget.random, List.of(HttpConnectionManager.getDescriptor(), Router.getDescriptor(),
            Wasm.getDescriptor(), StringValue.getDescriptor()));
        while (budget.next()) {
          Resource target = resources.get(budget.random.nextInt(resources.size()));
          StringBuilder what = new StringBuilder();
          Message mutated = mutator.mutate(target.valid(), what);
          String verdict = push(ads, target.typeUrl(), mutated);
          String label = budget.replay() + ": " + what;
          assertThat(verdict).as(label).isNotEqualTo("timeout");
          if (verdict.startsWith("nack")) {
            outcomes.merge("nack " + target.typeUrl().substring(target.typeUrl().lastIndexOf('.') + 1), 1, Integer::sum);
            assertThat(verdict).as("the NACK's error_detail names the resource; " + label).contains("'" + target.name() + "'");
            assertThat(served(port)).as("the last good config keeps serving after the NACK of " + label).isTrue();
          } else {
            outcomes.merge("ack " + target.typeUrl().substring(target.typeUrl().lastIndexOf('.') + 1), 1, Integer::sum);
          }
          // Back to the valid resource: it is accepted and serves again (an ACKed mutation may have changed serving).
          assertThat(push(ads, target.typeUrl(), target.valid())).as("restoring after " + label).isEqualTo("ack");
          Await.until("serving again after " + label, FUZZ_WAIT, () -> served(port));
        }
        long heapAfter = usedHeapAfterGc();
        System.out.printf("xds fuzz: %d cases, seed %d, outcomes %s, heap after GC %d -> %d MiB%n", budget.cases(), budget.seed, outcomes,
            heapBefore >> 20, heapAfter >> 20);
        assertThat(heapAfter - heapBefore).as("heap growth after GC").isLessThan(HEAP_GROWTH_BOUND);
      }
    }
  }

  /** Pushes one resource of {@code typeUrl} and waits for the data plane's verdict: "ack", "nack: detail" or "timeout". */
  private static String push(SmallAdsServer ads, String typeUrl, Message resource) throws Exception {
    long acks = ads.acks.stream().filter(a -> a.startsWith(typeUrl + " ")).count();
    long nacks = ads.nacks.stream().filter(n -> n.startsWith(typeUrl + ": ")).count();
    ads.set(typeUrl, resource);
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      List<String> n = ads.nacks.stream().filter(x -> x.startsWith(typeUrl + ": ")).toList();
      if (n.size() > nacks) {
        return "nack: " + n.get(n.size() - 1);
      }
      if (ads.acks.stream().filter(a -> a.startsWith(typeUrl + " ")).count() > acks) {
        return "ack";
      }
      Thread.sleep(10);
    }
    return "timeout";
  }

  private boolean served(int port) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/fuzz"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.headers().firstValue("x-as-stamp").orElse("").equals("good") && r.body().startsWith("GET /fuzz\n");
    } catch (Exception e) {
      return false;
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

}

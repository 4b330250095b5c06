package io.wasmplane.dataplane.wasmext;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.bootstrap.wasm with plugins/c/c_service.c (clang, from source), concurrency 2: a singleton service (one VM on
 * the main thread) registers a shared queue, and the HTTP filter of the same vm_id on both workers enqueues one message
 * per request; the service counts every message and sees two distinct senders (the two worker VMs). The singleton
 * ticks and makes an http call; a per-worker service (singleton: false) runs one VM on each worker.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class WasmServiceTest {
  private static final int REQUESTS = 16;
  private Collector collector;
  private Dataplane dp;

  private static String plugin(String name, String vmId, String config) {
    return """
        name: %s
        root_id: c_service
        configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: "%s"}
        vm_config:
          vm_id: %s
          runtime: envoy.wasm.runtime.v8
          code: {local: {filename: "%s"}}
        """.formatted(name, config, vmId, Collector.plugin("c_service"));
  }

  private static String indent(String s, int n) {
    return s.lines().map(l -> " ".repeat(n) + l).reduce((a, b) -> a + "\n" + b).orElse("");
  }

  @BeforeAll
  void start() throws Exception {
    collector = new Collector(0);
    String filter = """
        - name: envoy.filters.http.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
            config:
        %s
        """.formatted(indent(plugin("c_service_filter", "svc", "filter"), 6));
    dp = Bootstraps.start("""
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        bootstrap_extensions:
        - name: envoy.bootstrap.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.wasm.v3.WasmService
            singleton: true
            config:
        %s
        - name: envoy.bootstrap.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.wasm.v3.WasmService
            singleton: false
            config:
        %s
        static_resources:
          listeners:
        %s
          clusters:
        %s
        %s
        """.formatted(indent(plugin("c_service", "svc", "service"), 6), indent(plugin("c_worker_service", "svc2", "worker-service"), 6),
        Collector.listener("            []", indent(filter, 10)), Collector.cluster("up", collector.port()),
        Collector.cluster("collector", collector.port())));
  }

  @AfterAll
  void stop() {
    if (dp != null) {
      dp.close();
    }
    collector.close();
  }

  private long stat(String name) {
    var s = dp.server().stats().snapshot();
    return s.counters().getOrDefault(name, s.gauges().getOrDefault(name, -1L));
  }

  @Test
  void aSingletonAggregatesCountsFromFiltersOnBothWorkers() throws Exception {
    for (int i = 0; i < REQUESTS; i++) {
      // A new connection each time: the acceptor spreads connections over both workers.
      String resp = RawHttp.exchange(dp.port("ingress"), "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
      assertThat(resp).startsWith("HTTP/1.1 201");
    }
    assertThat(Collector.await(() -> stat("c_service.messages") == REQUESTS, 10_000))
        .as("the service's stats: %s", dp.server().stats().snapshot().counters().entrySet().stream()
            .filter(e -> e.getKey().startsWith("c_service")).toList() + " " + dp.server().stats().snapshot().gauges().entrySet().stream()
            .filter(e -> e.getKey().startsWith("c_service")).toList()).isTrue();
    assertThat(stat("c_service.senders")).as("distinct filter VMs (one per worker)").isEqualTo(2);
    assertThat(Collector.await(() -> stat("c_service.http_status") == 201 && stat("c_service.ticks") > 1, 10_000))
        .as("ticks %d, http status %d, collector saw %s", stat("c_service.ticks"), stat("c_service.http_status"), collector.paths).isTrue();
    assertThat(collector.paths).contains("GET /service-hello");
    assertThat(Collector.await(() -> stat("c_service.worker_running_vms") == 2, 10_000)).isTrue();
    assertThat(stat("c_service.running_vms")).as("one singleton VM").isEqualTo(1);
  }
}

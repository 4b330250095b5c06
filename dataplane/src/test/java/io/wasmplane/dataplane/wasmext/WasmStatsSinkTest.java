package io.wasmplane.dataplane.wasmext;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import java.net.http.HttpClient;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.stat_sinks.wasm with plugins/c/c_stats_sink.c (clang, from source): every stats_flush_interval the plugin
 * parses Envoy's stats buffer in envoy_on_stats_update and records the values of the stats it watches in its own
 * gauges; those must equal what /stats shows for the same stats.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class WasmStatsSinkTest {
  private Collector upstream;
  private Dataplane dp;
  private final HttpClient client = Http.h1();

  @BeforeAll
  void start() throws Exception {
    upstream = new Collector(0);
    dp = Bootstraps.start("""
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        stats_flush_interval: 0.1s
        stats_sinks:
        - name: envoy.stat_sinks.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.stat_sinks.wasm.v3.Wasm
            config:
              name: c_stats_sink
              root_id: c_stats_sink
              configuration:
                "@type": type.googleapis.com/google.protobuf.StringValue
                value: "cluster.up.upstream_rq_total,http.ingress_http.downstream_rq_2xx,server.concurrency"
              vm_config:
                vm_id: c_stats_sink
                runtime: envoy.wasm.runtime.v8
                code: {local: {filename: "%s"}}
        static_resources:
          listeners:
        %s
          clusters:
        %s
        """.formatted(Collector.plugin("c_stats_sink"), Collector.listener("            []", ""), Collector.cluster("up", upstream.port())));
  }

  @AfterAll
  void stop() {
    if (dp != null) {
      dp.close();
    }
    upstream.close();
  }

  private Map<String, Long> stats() throws Exception {
    String text = Http.get(client, "http://127.0.0.1:" + dp.adminPort() + "/stats").body();
    Map<String, Long> out = new java.util.TreeMap<>();
    Matcher m = Pattern.compile("(?m)^([^:\\s]+): (-?\\d+)$").matcher(text);
    while (m.find()) {
      out.put(m.group(1), Long.parseLong(m.group(2)));
    }
    return out;
  }

  @Test
  void theSinkSeesTheCountersAndGaugesThatStatsShows() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/hello").statusCode()).isEqualTo(201);
    }
    // Nothing changes these stats any more: after the next flush the sink's copies must equal /stats.
    Map<String, Long>[] last = new Map[1];
    boolean same = Collector.await(() -> {
      try {
        Map<String, Long> s = stats();
        last[0] = s;
        return s.getOrDefault("c_stats_sink.cluster.up.upstream_rq_total", -1L).equals(s.get("cluster.up.upstream_rq_total"))
            && s.getOrDefault("c_stats_sink.http.ingress_http.downstream_rq_2xx", -1L).equals(s.get("http.ingress_http.downstream_rq_2xx"))
            && s.getOrDefault("c_stats_sink.server.concurrency", -1L).equals(s.get("server.concurrency"));
      } catch (Exception e) {
        return false;
      }
    }, 10_000);
    assertThat(same).as("sink values vs /stats: %s", last[0]).isTrue();
    Map<String, Long> s = last[0];
    assertThat(s.get("cluster.up.upstream_rq_total")).isEqualTo(3L);
    assertThat(s.get("http.ingress_http.downstream_rq_2xx")).isEqualTo(3L);
    assertThat(s.get("server.concurrency")).isEqualTo(2L);
    assertThat(s.get("c_stats_sink.updates")).isGreaterThanOrEqualTo(1L);
    assertThat(s.get("c_stats_sink.counters")).isGreaterThan(10L);
    assertThat(s.get("c_stats_sink.gauges")).isGreaterThan(5L);
  }
}

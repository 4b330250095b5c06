package io.wasmplane.dataplane.wasmext;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import java.net.http.HttpClient;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * stats_config.stats_matcher reaches the stats sinks: plugins/c/c_stats_sink.c watches an excluded counter and an
 * included gauge; after flushes that follow real requests it has seen the gauge and never the counter.
 */
@Timeout(60)
class WasmStatsSinkMatcherTest {
  private final HttpClient client = Http.h1();

  @Test
  void excludedStatsNeverReachTheSink() throws Exception {
    try (Collector upstream = new Collector(0); Dataplane dp = Bootstraps.start("""
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        stats_config:
          stats_matcher:
            exclusion_list: {patterns: [{prefix: "cluster.up."}]}
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
                value: "cluster.up.upstream_rq_total,server.concurrency"
              vm_config:
                vm_id: c_stats_sink
                runtime: envoy.wasm.runtime.v8
                code: {local: {filename: "%s"}}
        static_resources:
          listeners:
        %s
          clusters:
        %s
        """.formatted(Collector.plugin("c_stats_sink"), Collector.listener("            []", ""), Collector.cluster("up", upstream.port())))) {
      for (int i = 0; i < 3; i++) {
        assertThat(Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/hello").statusCode()).isEqualTo(201);
      }
      long after = stats(dp).getOrDefault("c_stats_sink.updates", 0L);
      // Two flushes after the requests: the sink has been handed the counter's new value, were it not excluded.
      boolean flushed = Collector.await(() -> {
        try {
          return stats(dp).getOrDefault("c_stats_sink.updates", 0L) >= after + 2;
        } catch (Exception e) {
          return false;
        }
      }, 10_000);
      assertThat(flushed).isTrue();
      Map<String, Long> s = stats(dp);
      assertThat(s).containsEntry("c_stats_sink.server.concurrency", 2L)
          .containsEntry("c_stats_sink.cluster.up.upstream_rq_total", 0L)
          .doesNotContainKey("cluster.up.upstream_rq_total");
    }
  }

  private Map<String, Long> stats(Dataplane dp) throws Exception {
    String text = Http.get(client, "http://127.0.0.1:" + dp.adminPort() + "/stats").body();
    Map<String, Long> out = new java.util.TreeMap<>();
    Matcher m = Pattern.compile("(?m)^([^:\\s]+): (-?\\d+)$").matcher(text);
    while (m.find()) {
      out.put(m.group(1), Long.parseLong(m.group(2)));
    }
    return out;
  }
}

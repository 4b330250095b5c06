package io.wasmplane.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Envoy's tag extraction rules on stat names. */
class TagProducerTest {

  @Test
  void envoyDefaultsSplitNamesAsEnvoyDoes() {
    TagProducer p = TagProducer.ENVOY_DEFAULT;
    assertThat(p.produce("listener.127.0.0.1_8080.downstream_cx_total"))
        .isEqualTo(new TagProducer.Tagged("listener.downstream_cx_total", Map.of("envoy.listener_address", "127.0.0.1_8080")));
    assertThat(p.produce("cluster.a.upstream_rq_503"))
        .isEqualTo(new TagProducer.Tagged("cluster.upstream_rq", Map.of("envoy.cluster_name", "a", "envoy.response_code", "503")));
    assertThat(p.produce("http.in.downstream_rq_4xx"))
        .isEqualTo(new TagProducer.Tagged("http.downstream_rq_xx",
            Map.of("envoy.http_conn_manager_prefix", "in", "envoy.response_code_class", "4")));
    assertThat(p.produce("tcp.db.downstream_cx_total"))
        .isEqualTo(new TagProducer.Tagged("tcp.downstream_cx_total", Map.of("envoy.tcp_prefix", "db")));
    assertThat(p.produce("server.live")).isEqualTo(new TagProducer.Tagged("server.live", Map.of()));
  }

  @Test
  void customExtractorsComeFirstAndTakeTheirNameFromTheDefaults() {
    TagProducer p = StatsSettings.of(n -> true, List.of(
        TagExtractor.regex("envoy.cluster_name", Pattern.compile("^cluster\\.((.+?\\.svc)\\.)")),
        TagExtractor.fixed("mesh", "m1")), true, List.of()).tags();
    TagProducer.Tagged t = p.produce("cluster.x.ns.svc.upstream_rq_200");
    assertThat(t.name()).isEqualTo("cluster.upstream_rq");
    assertThat(t.tags()).containsExactly(Map.entry("envoy.cluster_name", "x.ns.svc"), Map.entry("mesh", "m1"),
        Map.entry("envoy.response_code", "200"));
  }

  @Test
  void laterAlternativePairIsUsedWhenTheFirstDoesNotTakePart() {
    TagProducer p = new TagProducer(List.of(
        TagExtractor.regex("response_code", Pattern.compile("(response_code=\\.=(.+?);\\.;)|_rq(_(\\d{3}))$"))));
    assertThat(p.produce("cluster.a.upstream_rq_201"))
        .isEqualTo(new TagProducer.Tagged("cluster.a.upstream_rq", Map.of("response_code", "201")));
    assertThat(p.produce("istio_requests_total.response_code=.=404;.;"))
        .isEqualTo(new TagProducer.Tagged("istio_requests_total.", Map.of("response_code", "404")));
  }
}

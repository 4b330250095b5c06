package io.wasmplane.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The bootstrap's stats_config, Istio-shaped (its own tag extractors instead of Envoy's defaults, an inclusion list),
 * read over HTTP from /stats, /stats?format=json and /stats/prometheus after real requests through the proxy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class StatsConfigTest {
  private static final String ROUTES = """
      - name: main
        domains: ["*"]
        routes:
        - match: {prefix: "/"}
          route: {cluster: a}
      """;
  /** Istio's extractors (regexes as istio-agent writes them), one fixed tag, and an inclusion list. */
  private static final String ISTIO_STATS = """
      stats_config:
        use_all_default_tags: false
        stats_tags:
        - tag_name: cluster_name
          regex: '^cluster\\.((.+?(\\..+?\\.svc\\.cluster\\.local)?)\\.)'
        - tag_name: tcp_prefix
          regex: '^tcp\\.((.*?)\\.)\\w+?$'
        - tag_name: response_code
          regex: '(response_code=\\.=(.+?);\\.;)|_rq(_(\\d{3}))$'
        - tag_name: http_conn_manager_prefix
          regex: '^http\\.((.*?)\\.)'
        - tag_name: listener_address
          regex: '^listener\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)'
        - tag_name: mesh_id
          fixed_value: demo-mesh
        histogram_bucket_settings:
        - match: {suffix: "upstream_rq_time"}
          buckets: [10000, 1, 5]
        - match: {prefix: "cluster."}
          buckets: [2]
        stats_matcher:
          inclusion_list:
            patterns:
            - prefix: "cluster."
            - suffix: "rq_total"
            - safe_regex: {regex: "listener\\\\.[0-9._]+\\\\.downstream_cx_total"}
            - safe_regex: {regex: "server\\\\.l.*"}
      """;

  private TestUpstream upstream;
  private Dataplane dataplane;
  private final HttpClient client = Http.h1();

  @BeforeAll
  void start() throws Exception {
    upstream = new TestUpstream("a");
    dataplane = Bootstraps.start(bootstrap(ISTIO_STATS));
    for (int i = 0; i < 2; i++) {
      assertThat(Http.get(client, "http://127.0.0.1:" + dataplane.port("ingress") + "/x").statusCode()).isEqualTo(200);
    }
  }

  @AfterAll
  void stop() throws Exception {
    dataplane.close();
    upstream.close();
  }

  private String bootstrap(String statsConfig) throws Exception {
    Path log = Files.createTempFile("access", ".log");
    return Bootstraps.bootstrap(ROUTES, null, Bootstraps.staticCluster("a", upstream.port(), ""), log, null) + statsConfig;
  }

  private String admin(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataplane.adminPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void statsShowOnlyWhatTheInclusionListAllows() throws Exception {
    String stats = admin("/stats");
    assertThat(stats).containsPattern("(?m)^cluster\\.a\\.upstream_rq_200: [1-9]")
        .containsPattern("(?m)^http\\.ingress_http\\.downstream_rq_total: [1-9]")
        .contains("server.live: 1\n");
    assertThat(stats.lines()).isNotEmpty().allMatch(l -> l.startsWith("cluster.") || l.contains("rq_total: ")
        || l.startsWith("server.l") || l.matches("listener\\.[0-9._]+\\.downstream_cx_total: .*"), "included");
    assertThat(stats).containsPattern("(?m)^listener\\.127\\.0\\.0\\.1_[0-9]+\\.downstream_cx_total: [1-9]")
        .doesNotContain("downstream_rq_2xx").doesNotContain("downstream_cx_active").doesNotContain("server.uptime");
    assertThat(admin("/stats?format=json")).contains("\"cluster.a.upstream_rq_200\"").doesNotContain("downstream_rq_2xx")
        .doesNotContain("downstream_cx_active");
  }

  @Test
  void prometheusLabelsAreTheConfiguredTags() throws Exception {
    String prom = admin("/stats/prometheus");
    assertThat(prom)
        .containsPattern("envoy_cluster_upstream_rq\\{cluster_name=\"a\",response_code=\"200\",mesh_id=\"demo-mesh\"} [1-9]")
        .containsPattern("envoy_http_downstream_rq_total\\{http_conn_manager_prefix=\"ingress_http\",mesh_id=\"demo-mesh\"} [1-9]")
        .contains("envoy_server_live{mesh_id=\"demo-mesh\"} 1\n")
        // RE2's [:digit:] class, as Istio writes it, reads the listener's address.
        .containsPattern("envoy_listener_downstream_cx_total\\{listener_address=\"127\\.0\\.0\\.1_[0-9]+\",mesh_id=\"demo-mesh\"} [1-9]")
        // use_all_default_tags: false, so none of Envoy's own tag names appear.
        .doesNotContain("envoy_cluster_name=").doesNotContain("envoy_response_code")
        .doesNotContain("envoy_listener_address").doesNotContain("downstream_rq_xx");
  }

  @Test
  void histogramBucketSettingsSetThePrometheusBounds() throws Exception {
    String prom = admin("/stats/prometheus");
    // The first matching setting wins, its bounds in ascending order whatever the order written.
    assertThat(bounds(prom, "envoy_cluster_upstream_rq_time")).containsExactly("1", "5", "10000", "+Inf");
    assertThat(bounds(prom, "envoy_cluster_upstream_cx_connect_ms")).containsExactly("2", "+Inf");
    assertThat(prom).containsPattern("envoy_cluster_upstream_rq_time_bucket\\{cluster_name=\"a\",mesh_id=\"demo-mesh\",le=\"\\+Inf\"} [1-9]");
  }

  private static java.util.List<String> bounds(String prom, String metric) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + metric + "_bucket\\{.*le=\"([^\"]+)\"}").matcher(prom);
    java.util.List<String> out = new java.util.ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Test
  void exclusionListAndRejectAll() throws Exception {
    try (Dataplane d = Bootstraps.start(bootstrap("""
        stats_config:
          stats_matcher:
            exclusion_list: {patterns: [{prefix: "cluster."}, {contains: "_cx_"}]}
        """))) {
      String stats = get(d, "/stats");
      assertThat(stats).contains("server.live: 1\n").doesNotContain("cluster.").doesNotContain("_cx_");
      // Envoy's default tags when use_all_default_tags is unset.
      assertThat(get(d, "/stats/prometheus")).contains("envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix=\"ingress_http\"} 0\n");
    }
    try (Dataplane d = Bootstraps.start(bootstrap("stats_config: {stats_matcher: {reject_all: true}}\n"))) {
      assertThat(get(d, "/stats")).isEmpty();
      assertThat(get(d, "/stats/prometheus")).isEmpty();
    }
  }

  private String get(Dataplane d, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.adminPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void badStatsConfigIsAStartupErrorNamingTheField() throws Exception {
    assertThat(refused("stats_config: {stats_tags: [{tag_name: x, regex: '^a(('}]}\n"))
        .startsWith("bootstrap.stats_config.stats_tags[0].regex: invalid regex '^a(('");
    assertThat(refused("stats_config: {stats_tags: [{tag_name: x, regex: '^a\\.b'}]}\n"))
        .startsWith("bootstrap.stats_config.stats_tags[0].regex: '^a\\.b' needs a capture group");
    assertThat(refused("stats_config: {stats_tags: [{tag_name: my_tag}]}\n"))
        .startsWith("bootstrap.stats_config.stats_tags[0].regex: required, 'my_tag' is not one of the default tag names");
    assertThat(refused("stats_config: {stats_matcher: {inclusion_list: {patterns: [{safe_regex: {regex: 'a['}}]}}}\n"))
        .startsWith("bootstrap.stats_config.stats_matcher.inclusion_list.patterns[0].safe_regex: invalid regex 'a['");
    assertThat(refused("stats_config: {histogram_bucket_settings: [{match: {prefix: a}, buckets: [1, 0]}]}\n"))
        .startsWith("bootstrap.stats_config.histogram_bucket_settings[0].buckets[1]: 0.0 must be a finite value greater than 0");
    assertThat(refused("stats_config: {histogram_bucket_settings: [{match: {prefix: a}, buckets: [1, 1]}]}\n"))
        .startsWith("bootstrap.stats_config.histogram_bucket_settings[0].buckets[1]: 1.0 is repeated");
    assertThat(refused("stats_config: {histogram_bucket_settings: [{match: {prefix: a}}]}\n"))
        .startsWith("bootstrap.stats_config.histogram_bucket_settings[0].buckets: at least one bucket bound is required");
    assertThat(refused("stats_config: {histogram_bucket_settings: [{match: {safe_regex: {regex: '('}}, buckets: [1]}]}\n"))
        .startsWith("bootstrap.stats_config.histogram_bucket_settings[0].match.safe_regex: invalid regex '('");
    assertThat(refused("stats_config: {stats_matcher: {}}\n"))
        .startsWith("bootstrap.stats_config.stats_matcher: one of reject_all, inclusion_list, exclusion_list is required");
    assertThat(refused("stats_config: {stats_tags: [{tag_name: a, fixed_value: x}, {tag_name: a, fixed_value: y}]}\n"))
        .startsWith("bootstrap.stats_config.stats_tags[1].tag_name: duplicate tag name 'a'");
  }

  private String refused(String statsConfig) throws Exception {
    String yaml = bootstrap(statsConfig);
    return assertThatThrownBy(() -> BootstrapTranslator.translate(BootstrapLoader.fromText(yaml, "test"), Optional.empty(),
        Optional.empty())).isInstanceOf(ConfigException.class).actual().getMessage();
  }
}

package io.wasmplane.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.ProxyFixture;
import io.wasmplane.dataplane.testing.RawHttp;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Envoy's histograms (HTTP, cluster, listener, and a plugin's own) after real requests through the proxy, read from
 * /stats, /stats?format=json and /stats/prometheus over HTTP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class HistogramStatsTest {
  private static final int SLOW_MS = 60;
  private ProxyFixture fx;
  private final HttpClient client = Http.h1();

  @BeforeAll
  void start() throws Exception {
    fx = new ProxyFixture();
    for (int i = 0; i < 3; i++) {
      assertThat(Http.get(client, fx.url("/slow/" + SLOW_MS)).statusCode()).isEqualTo(200);
    }
    // An upstream that closes its connection, so the cluster's connection-length histogram gets a value.
    assertThat(Http.get(client, fx.url("/reset")).statusCode()).isEqualTo(503);
    // One connection the proxy closes (Connection: close), so the connection-length histograms get a value.
    assertThat(RawHttp.exchange(fx.port(), "GET /direct HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n", 5000))
        .startsWith("HTTP/1.1 200");
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!(admin("/stats?usedonly&filter=_cx_length_ms").contains("http.ingress_http.downstream_cx_length_ms")
        && admin("/stats?usedonly&filter=_cx_length_ms").contains("cluster.resetting.upstream_cx_length_ms"))
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  private String admin(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(fx.admin(path))).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** The ten cumulative quantiles of a histogram's text line (P0 .. P100). */
  private static double[] quantiles(String stats, String name) {
    String line = stats.lines().filter(l -> l.startsWith(name + ": ")).findFirst()
        .orElseThrow(() -> new AssertionError("no histogram " + name + " in\n" + stats));
    Matcher m = Pattern.compile("P[0-9.]+\\((?:nan|[0-9.]+),([0-9.]+)\\)").matcher(line);
    double[] out = new double[10];
    int i = 0;
    while (m.find()) {
      out[i++] = Double.parseDouble(m.group(1));
    }
    assertThat(i).as(line).isEqualTo(10);
    return out;
  }

  private static long prom(String body, String series) {
    String line = body.lines().filter(l -> l.startsWith(series + " ")).findFirst()
        .orElseThrow(() -> new AssertionError("no series " + series + " in\n" + body));
    return Long.parseLong(line.substring(series.length() + 1));
  }

  @Test
  void textShowsEnvoyQuantilesAfterCountersAndGauges() throws Exception {
    String stats = admin("/stats");
    double[] rq = quantiles(stats, "cluster.a.upstream_rq_time");
    assertThat(rq[0]).as("P0: every request took the upstream's delay").isGreaterThanOrEqualTo(SLOW_MS);
    assertThat(rq[9]).as("P100").isLessThan(10_000).isGreaterThanOrEqualTo(rq[5]);
    double[] down = quantiles(stats, "http.ingress_http.downstream_rq_time");
    assertThat(down[9]).as("the slowest downstream request includes an upstream delay").isGreaterThanOrEqualTo(SLOW_MS);
    String p0 = ": P0\\((?:nan|[0-9.]+),[0-9.]+\\) P25\\(";
    assertThat(stats).containsPattern("\nhttp\\.ingress_http\\.downstream_cx_length_ms" + p0)
        .containsPattern("\nlistener\\.127\\.0\\.0\\.1_" + fx.port() + "\\.downstream_cx_length_ms" + p0)
        .containsPattern("\ncluster\\.a\\.upstream_cx_connect_ms" + p0)
        .containsPattern("\ncluster\\.resetting\\.upstream_cx_length_ms" + p0)
        .contains("\ncluster.b.upstream_rq_time: No recorded values\n");
    // Envoy lists histograms after the counters and gauges.
    assertThat(stats.indexOf("cluster.a.upstream_rq_time: ")).isGreaterThan(stats.indexOf("server.uptime: "));
  }

  @Test
  void usedOnlyAndFilterApplyToHistograms() throws Exception {
    String used = admin("/stats?usedonly");
    assertThat(used).contains("cluster.a.upstream_rq_time: P0").doesNotContain("cluster.b.upstream_rq_time");
    String filtered = admin("/stats?filter=upstream_rq_time$");
    assertThat(filtered.lines()).isNotEmpty().allMatch(l -> l.contains(".upstream_rq_time: "));
    String prom = admin("/stats/prometheus?usedonly&filter=%5Ecluster%5C.a%5C.upstream_rq_time");
    assertThat(prom).startsWith("# TYPE envoy_cluster_upstream_rq_time histogram\n")
        .doesNotContain("envoy_cluster_name=\"b\"").doesNotContain("counter");
  }

  @Test
  void prometheusHasEnvoyBucketsSumAndCount() throws Exception {
    String prom = admin("/stats/prometheus");
    String tags = "envoy_cluster_name=\"a\"";
    assertThat(prom).contains("# TYPE envoy_cluster_upstream_rq_time histogram\n");
    assertThat(prom.indexOf("# TYPE envoy_cluster_upstream_rq_time histogram"))
        .isGreaterThan(prom.indexOf("# TYPE envoy_server_live gauge"));
    assertThat(bucket(prom, tags, "0.5")).isZero();
    assertThat(bucket(prom, tags, "50")).isZero();
    assertThat(bucket(prom, tags, "+Inf")).isEqualTo(3);
    assertThat(bucket(prom, tags, "3600000")).isEqualTo(3);
    assertThat(prom(prom, "envoy_cluster_upstream_rq_time_count{" + tags + "}")).isEqualTo(3);
    assertThat(prom(prom, "envoy_cluster_upstream_rq_time_sum{" + tags + "}")).isBetween(3L * SLOW_MS, 30_000L);
    String hcm = "envoy_http_conn_manager_prefix=\"ingress_http\"";
    assertThat(prom(prom, "envoy_http_downstream_rq_time_count{" + hcm + "}")).isEqualTo(5);
    assertThat(prom(prom, "envoy_http_downstream_rq_time_sum{" + hcm + "}")).isGreaterThanOrEqualTo(3L * SLOW_MS);
    assertThat(prom(prom, "envoy_http_downstream_cx_length_ms_count{" + hcm + "}")).isPositive();
    assertThat(prom(prom, "envoy_cluster_upstream_cx_connect_ms_count{" + tags + "}"))
        .isEqualTo(prom(prom, "envoy_cluster_upstream_cx_total{" + tags + "}"));
    // The bucket bounds are Envoy's defaults, in its order.
    Matcher le = Pattern.compile("envoy_cluster_upstream_rq_time_bucket\\{" + tags + ",le=\"([^\"]+)\"}").matcher(prom);
    StringBuilder bounds = new StringBuilder();
    while (le.find()) {
      bounds.append(le.group(1)).append(' ');
    }
    assertThat(bounds.toString().trim()).isEqualTo(
        "0.5 1 5 10 25 50 100 250 500 1000 2500 5000 10000 30000 60000 300000 600000 1800000 3600000 +Inf");
  }

  private static long bucket(String prom, String tags, String le) {
    return prom(prom, "envoy_cluster_upstream_rq_time_bucket{" + tags + ",le=\"" + le + "\"}");
  }

  @Test
  void jsonHasEnvoyHistogramsBlock() throws Exception {
    JsonArray stats = JsonParser.parseString(admin("/stats?format=json")).getAsJsonObject().getAsJsonArray("stats");
    JsonObject histograms = null;
    for (JsonElement e : stats) {
      if (e.getAsJsonObject().has("histograms")) {
        histograms = e.getAsJsonObject().getAsJsonObject("histograms");
      }
    }
    assertThat(histograms).as("the histograms element").isNotNull();
    assertThat(histograms.getAsJsonArray("supported_quantiles").toString()).isEqualTo("[0,25,50,75,90,95,99,99.5,99.9,100]");
    JsonObject rq = null;
    for (JsonElement e : histograms.getAsJsonArray("computed_quantiles")) {
      if (e.getAsJsonObject().get("name").getAsString().equals("cluster.a.upstream_rq_time")) {
        rq = e.getAsJsonObject();
      }
    }
    assertThat(rq).isNotNull();
    JsonArray values = rq.getAsJsonArray("values");
    assertThat(values).hasSize(10);
    // interval is the last stats flush interval's (5 s here): null when it held no sample, else one of the requests
    JsonElement interval = values.get(0).getAsJsonObject().get("interval");
    assertThat(interval).as("P0 interval").isNotNull();
    if (!interval.isJsonNull()) {
      assertThat(interval.getAsDouble()).as("P0 interval").isGreaterThanOrEqualTo(SLOW_MS);
    }
    assertThat(values.get(0).getAsJsonObject().get("cumulative").getAsDouble()).isGreaterThanOrEqualTo(SLOW_MS);
  }

  /**
   * A Proxy-Wasm plugin's HISTOGRAM metric (WAT: records 7 and 1500 per request) is a real histogram in every form;
   * the interval values are the last stats flush interval's (1 s here): the one with the requests, then an empty one.
   */
  @Test
  void pluginHistogramShowsUnderItsNameWithItsValues() throws Exception {
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = Bootstraps.start("stats_flush_interval: 1s\n" + WasmHttpFilterTest.bootstrapWith(
            WasmHttpFilterTest.wasmFilter("filename: " + WasmHttpFilterTest.plugin("wat/abi_histogram.wasm"), "x"), up.port()))) {
      for (int i = 0; i < 3; i++) {
        assertThat(Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/p").statusCode()).isEqualTo(200);
      }
      String base = "http://127.0.0.1:" + dp.adminPort();
      URI stats = URI.create(base + "/stats?filter=wat_hist");
      String text = "";
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!text.startsWith("wat_hist: P0(7,7) ") && System.nanoTime() < deadline) {
        text = client.send(HttpRequest.newBuilder(stats).build(), HttpResponse.BodyHandlers.ofString()).body();
        Thread.sleep(10);
      }
      assertThat(text).as("an interval with the requests").startsWith("wat_hist: P0(7,7) ").endsWith(",1500)\n");
      while (!text.startsWith("wat_hist: P0(nan,7) ") && System.nanoTime() < deadline) {
        text = client.send(HttpRequest.newBuilder(stats).build(), HttpResponse.BodyHandlers.ofString()).body();
        Thread.sleep(20);
      }
      assertThat(text).as("an interval without samples").startsWith("wat_hist: P0(nan,7) ").contains(" P50(nan,7)")
          .endsWith(" P100(nan,1500)\n");
      String prom = client.send(HttpRequest.newBuilder(URI.create(base + "/stats/prometheus?filter=wat_hist")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(prom).startsWith("# TYPE envoy_wat_hist histogram\n")
          .contains("envoy_wat_hist_bucket{le=\"5\"} 0\n")
          .contains("envoy_wat_hist_bucket{le=\"10\"} 3\n")
          .contains("envoy_wat_hist_bucket{le=\"1000\"} 3\n")
          .contains("envoy_wat_hist_bucket{le=\"2500\"} 6\n")
          .contains("envoy_wat_hist_sum 4521\n")
          .contains("envoy_wat_hist_count 6\n");
    }
  }
}

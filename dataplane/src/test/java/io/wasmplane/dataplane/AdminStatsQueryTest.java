package io.wasmplane.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * /stats selection (type=, filter=, usedonly, format=json) and /reset_counters over a data plane running a real
 * AssemblyScript plugin (as_headers: counter requests, gauge ticks, histogram header_count) with real traffic.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class AdminStatsQueryTest {
  private TestUpstream up;
  private Dataplane dp;

  @BeforeAll
  void start() throws Exception {
    up = new TestUpstream("up");
    dp = Bootstraps.start(WasmHttpFilterTest.bootstrapWith(WasmHttpFilterTest.wasmFilter(
        "filename: " + WasmHttpFilterTest.plugin("assemblyscript/as_headers.wasm"), "stamp=v1\\ntick_ms=20"), up.port()));
    for (int i = 0; i < 3; i++) {
      assertThat(Http.get(Http.h1(), "http://127.0.0.1:" + dp.port("ingress") + "/r/" + i).statusCode()).isEqualTo(200);
    }
    Await.until("the plugin's tick gauge moved", () -> value(admin("GET", "/stats?filter=%5Eas_headers%5C.ticks$")) > 0);
  }

  @AfterAll
  void stop() {
    dp.close();
    up.close();
  }

  private HttpResponse<String> admin(String method, String path) throws Exception {
    return Http.h1().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.adminPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The value of the one "name: value" line of a filtered /stats answer. */
  private static long value(HttpResponse<String> r) {
    assertThat(r.body().lines()).hasSize(1);
    return Long.parseLong(r.body().strip().replaceAll(".*: ", ""));
  }

  private static List<String> names(String text) {
    return text.lines().map(l -> l.substring(0, l.indexOf(": "))).toList();
  }

  @Test
  void typeSelectsCountersGaugesOrHistograms() throws Exception {
    List<String> counters = names(admin("GET", "/stats?type=Counters").body());
    assertThat(counters).contains("as_headers.requests", "cluster.up.upstream_rq_total")
        .doesNotContain("as_headers.ticks", "server.uptime", "as_headers.header_count");
    List<String> gauges = names(admin("GET", "/stats?type=Gauges").body());
    assertThat(gauges).contains("as_headers.ticks", "server.uptime").doesNotContain("as_headers.requests", "as_headers.header_count");
    List<String> histograms = names(admin("GET", "/stats?type=Histograms&usedonly").body());
    assertThat(histograms).contains("as_headers.header_count", "cluster.up.upstream_rq_time")
        .doesNotContain("as_headers.requests", "server.uptime");
    assertThat(admin("GET", "/stats?type=TextReadouts").body()).isEmpty();
    assertThat(admin("GET", "/stats?type=All&filter=%5Eas_headers%5C.").body()).contains("as_headers.requests: ")
        .contains("as_headers.ticks: ").contains("as_headers.header_count: ");
    HttpResponse<String> bad = admin("GET", "/stats?type=Timers");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("type").contains("Timers");
  }

  @Test
  void jsonHonoursTypeFilterAndUsedOnly() throws Exception {
    var stats = JsonParser.parseString(admin("GET", "/stats?format=json&type=Gauges&usedonly&filter=%5Eserver%5C.").body())
        .getAsJsonObject().getAsJsonArray("stats");
    List<String> names = new ArrayList<>();
    for (JsonElement e : stats) {
      names.add(e.getAsJsonObject().get("name").getAsString());
    }
    assertThat(names).contains("server.live", "server.concurrency").allMatch(n -> n.startsWith("server."));
    assertThat(admin("GET", "/stats/prometheus?type=Counters&filter=as_headers").body())
        .contains("envoy_as_headers_requests ").doesNotContain("ticks").doesNotContain("header_count");
  }

  @Test
  void usedOnlyMeansWrittenAtLeastOnceAsEnvoysFlag() throws Exception {
    List<String> used = names(admin("GET", "/stats?usedonly&filter=%5Ecluster%5C.up%5C.").body());
    // Back at 0 after the requests, but written: shown. Never counted: left out.
    assertThat(admin("GET", "/stats?usedonly&filter=%5Ecluster%5C.up%5C.upstream_rq_active$").body())
        .isEqualTo("cluster.up.upstream_rq_active: 0\n");
    assertThat(used).contains("cluster.up.upstream_rq_total").doesNotContain("cluster.up.upstream_rq_retry");
    assertThat(names(admin("GET", "/stats?filter=%5Ecluster%5C.up%5C.").body())).contains("cluster.up.upstream_rq_retry");
  }

  @Test
  void resetCountersZeroesPluginCountersAndKeepsGaugesAndHistograms() throws Exception {
    String requests = "/stats?filter=%5Eas_headers%5C.requests$";
    String ticks = "/stats?filter=%5Eas_headers%5C.ticks$";
    String histogramCount = "/stats/prometheus?filter=%5Eas_headers%5C.header_count$";
    assertThat(value(admin("GET", requests))).isGreaterThanOrEqualTo(3);
    long ticksBefore = value(admin("GET", ticks));
    String countLine = admin("GET", histogramCount).body().lines().filter(l -> l.contains("_count ")).findFirst().orElseThrow();

    assertThat(admin("GET", "/reset_counters").statusCode()).isEqualTo(405);
    assertThat(admin("POST", "/reset_counters").statusCode()).isEqualTo(200);

    assertThat(value(admin("GET", requests))).isZero();
    assertThat(value(admin("GET", "/stats?filter=%5Ecluster%5C.up%5C.upstream_rq_total$"))).isZero();
    // Reset, but counted before: still used, as in Envoy.
    assertThat(admin("GET", "/stats?usedonly&filter=%5Ecluster%5C.up%5C.upstream_rq_total$").body())
        .isEqualTo("cluster.up.upstream_rq_total: 0\n");
    assertThat(value(admin("GET", ticks))).isGreaterThanOrEqualTo(ticksBefore);
    assertThat(admin("GET", histogramCount).body()).contains(countLine);
    // The plugin counts on from zero.
    assertThat(Http.get(Http.h1(), "http://127.0.0.1:" + dp.port("ingress") + "/again").statusCode()).isEqualTo(200);
    assertThat(value(admin("GET", requests))).isEqualTo(1);
  }
}

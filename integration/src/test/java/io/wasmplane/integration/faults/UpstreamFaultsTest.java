package io.wasmplane.integration.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packaged data plane (with a Wasm filter in the chain) in front of an upstream that resets, closes, stalls,
 * stalls mid-body or answers garbage: Envoy's status codes, bodies and response flags, every stream ends (none stuck),
 * and afterwards no connection is left over, counted in /stats (downstream and upstream cx/rq active), in /clusters,
 * at the upstream and in the process's OS sockets.
 */
@Timeout(120)
class UpstreamFaultsTest {
  @Test
  void upstreamFaultsGetEnvoysAnswersAndLeakNothing() throws Exception {
    try (StaticProxy proxy = new StaticProxy(5)) {
      assertThat(proxy.rawGet("/warm", 5000)).startsWith("HTTP/1.1 200").contains("x-as-stamp: static").endsWith("upstream saw GET /warm");
      awaitQuiet(proxy, 0);
      long socketsBefore = ProcStats.sockets(proxy.dataplane.pid());

      assertThat(proxy.rawGet("/reset", 5000)).startsWith("HTTP/1.1 503")
          .endsWith("upstream connect error or disconnect/reset before headers. reset reason: connection termination");
      assertThat(proxy.rawGet("/close", 5000)).startsWith("HTTP/1.1 503")
          .endsWith("upstream connect error or disconnect/reset before headers. reset reason: connection termination");
      long t0 = System.nanoTime();
      assertThat(proxy.rawGet("/stall", 5000)).startsWith("HTTP/1.1 504").endsWith("upstream request timeout");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("the 1 s route timeout").isBetween(900L, 4000L);
      assertThat(proxy.rawGet("/garbage", 5000)).startsWith("HTTP/1.1 502")
          .contains("reset reason: protocol error");
      assertThat(proxy.rawGet("/dead", 5000)).startsWith("HTTP/1.1 503").contains("reset reason: connection failure");
      // Stalled after the headers: the response has started, so the timeout resets the stream: a cut body, not a hang.
      String cut = proxy.rawGet("/stall-body", 5000);
      assertThat(cut).startsWith("HTTP/1.1 200").contains("half of it");
      assertThat(cut.substring(cut.indexOf("\r\n\r\n") + 4).length()).isLessThan(100);

      // The same faults many at a time, HTTP/1.1 and h2, mixed with good requests.
      HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<String>> results = new ArrayList<>();
      String[] paths = {"/reset", "/close", "/stall", "/garbage", "/dead", "/stall-body", "/ok"};
      for (int i = 0; i < 5; i++) {
        for (String p : paths) {
          results.add(pool.submit(() -> proxy.rawGet(p, 5000).split("\r\n")[0]));
          results.add(pool.submit(() -> {
            try {
              return "h2 " + h2.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.listener + p))
                  .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
            } catch (java.io.IOException e) {
              return "h2 reset"; // stall-body: the stream is reset after its headers
            }
          }));
        }
      }
      for (Future<String> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isNotNull();
      }
      pool.shutdown();

      List<String> log = proxy.accessLog();
      assertThat(log).contains("GET /reset HTTP/1.1 503 UC", "GET /close HTTP/1.1 503 UC", "GET /stall HTTP/1.1 504 UT",
          "GET /garbage HTTP/1.1 502 UPE", "GET /dead HTTP/1.1 503 UF", "GET /reset HTTP/2 503 UC",
          "GET /stall HTTP/2 504 UT", "GET /garbage HTTP/2 502 UPE");
      assertThat(log).anyMatch(l -> l.startsWith("GET /stall-body HTTP/1.1 200 UT"));

      // The JDK h2 client keeps its connections open (it cannot be closed on Java 17); raw ones must all be gone.
      long h2Connections = proxy.stats().get("http.ingress.downstream_cx_http2_total");
      awaitQuiet(proxy, h2Connections);
      Map<String, Long> stats = proxy.stats();
      assertThat(stats.get("cluster.upstream.upstream_cx_active")).as("upstream connections the pool still holds")
          .isEqualTo(proxy.upstream.openConnections());
      assertThat(proxy.upstream.openConnections()).as("idle keep-alive connections only").isLessThanOrEqualTo(8);
      assertThat(proxy.clusters()).contains("upstream::127.0.0.1:" + proxy.upstream.port() + "::rq_active::0");
      assertThat(ProcStats.sockets(proxy.dataplane.pid())).as("OS sockets of the data plane")
          .isLessThanOrEqualTo(socketsBefore + h2Connections + proxy.upstream.openConnections());
    }
  }

  /** Until no stream is active anywhere and at most {@code downstream} connections are left (bounded). */
  private static void awaitQuiet(StaticProxy proxy, long downstream) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    Map<String, Long> s = Map.of();
    while (System.nanoTime() < deadline) {
      s = proxy.stats();
      if (s.getOrDefault("http.ingress.downstream_rq_active", -1L) == 0
          && s.getOrDefault("cluster.upstream.upstream_rq_active", -1L) == 0
          && s.getOrDefault("http.ingress.downstream_cx_active", -1L) <= downstream) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("streams or connections still active: " + s);
  }
}

package io.wasmplane.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.RawHttp;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Drain: stop accepting, let running streams finish, then stop. */
@Timeout(60)
class DrainTest {
  @Test
  void inFlightRequestsFinishAndNewConnectionsAreRefused() throws Exception {
    try (TestUpstream up = new TestUpstream("up")) {
      String routes = """
          - name: all
            domains: ["*"]
            routes:
            - match: {prefix: "/"}
              route: {cluster: up}
          """;
      Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(routes, null, Bootstraps.staticCluster("up", up.port(), null), Path.of("/dev/null"), null));
      int port = dp.port("ingress");
      HttpClient h1 = Http.h1();
      CompletableFuture<HttpResponse<String>> slow = h1.sendAsync(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow/800")).build(), HttpResponse.BodyHandlers.ofString());
      for (int i = 0; i < 100 && up.requests.get() == 0; i++) {
        Thread.sleep(20);
      }
      assertThat(up.requests.get()).isEqualTo(1);
      long t0 = System.nanoTime();
      dp.drainAndClose();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      HttpResponse<String> r = slow.get();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("GET /slow/800");
      assertThat(ms).isLessThan(5000); // finished with the stream, not at the drain deadline
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        throw new AssertionError("listener still accepting after drain");
      } catch (ConnectException expected) {
        // refused: the listener is gone
      }
      assertThat(Ports.freePort()).isPositive();
    }
  }

  @Test
  void inFlightHttp2StreamsFinishAfterTheGoaway() throws Exception {
    try (TestUpstream up = new TestUpstream("up")) {
      String routes = """
          - name: all
            domains: ["*"]
            routes:
            - match: {prefix: "/"}
              route: {cluster: up}
          """;
      Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(routes, null, Bootstraps.staticCluster("up", up.port(), null), Path.of("/dev/null"), null));
      int port = dp.port("ingress");
      try (io.wasmplane.dataplane.testing.H2cClient h2 = new io.wasmplane.dataplane.testing.H2cClient(port)) {
        java.util.List<CompletableFuture<io.wasmplane.dataplane.testing.H2cClient.Response>> streams = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
          streams.add(h2.request("GET", "/slow/800", "drain", null));
        }
        for (int i = 0; i < 100 && up.requests.get() < 3; i++) {
          Thread.sleep(20);
        }
        assertThat(up.requests.get()).isEqualTo(3);
        dp.drainAndClose(); // was: the connection closed at once and the three responses were lost
        for (CompletableFuture<io.wasmplane.dataplane.testing.H2cClient.Response> f : streams) {
          io.wasmplane.dataplane.testing.H2cClient.Response r = f.get(10, java.util.concurrent.TimeUnit.SECONDS);
          assertThat(r.status()).isEqualTo(200);
          assertThat(r.body()).startsWith("GET /slow/800");
        }
      }
    }
  }
}

package io.wasmplane.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.ProxyFixture;
import io.wasmplane.dataplane.testing.RawHttp;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** HTTP/1.1 through the proxy to real upstreams, over real sockets. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ProxyHttp1Test {
  private ProxyFixture fx;
  private final HttpClient client = Http.h1();

  @BeforeAll
  void start() throws Exception {
    fx = new ProxyFixture();
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  private String awaitLogLine(Predicate<String> p) throws Exception {
    for (int i = 0; i < 100; i++) {
      List<String> lines = fx.accessLogLines();
      for (String l : lines) {
        if (p.test(l)) {
          return l;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no access log line matched; log: " + fx.accessLogLines());
  }

  @Test
  void forwardsGetWithEnvoyRequestHeaders() throws Exception {
    HttpResponse<String> r = Http.get(client, fx.url("/hello?x=1"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-upstream-name")).hasValue("a");
    assertThat(r.headers().firstValue("server")).hasValue("envoy");
    assertThat(r.headers().firstValue("x-envoy-upstream-service-time")).isPresent();
    assertThat(r.body()).startsWith("GET /hello?x=1\n");
    assertThat(r.body()).containsPattern("x-request-id: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n");
    assertThat(r.body()).contains("x-forwarded-for: 127.0.0.1\n").contains("x-forwarded-proto: http\n");
    assertThat(r.body()).doesNotContain("connection:");
    String line = awaitLogLine(l -> l.contains("\"GET /hello?x=1 HTTP/1.1\" 200 - "));
    assertThat(line).matches("\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z] \"GET /hello\\?x=1 HTTP/1\\.1\" 200 - 0 \\d+ \\d+ \\d+ "
        + "\"127\\.0\\.0\\.1\" \"Java-http-client/[^\"]+\" \"[0-9a-f-]{36}\" \"127\\.0\\.0\\.1:" + fx.port() + "\" \"127\\.0\\.0\\.1:" + fx.a.port() + "\"");
  }

  @Test
  void forwardsRequestBodiesWithLengthAndChunked() throws Exception {
    byte[] big = new byte[300_000];
    java.util.Arrays.fill(big, (byte) 'x');
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(fx.url("/upload")))
        .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-request-body-bytes")).hasValue("300000");
    assertThat(r.body()).endsWith("x".repeat(100));
    // No content-length: the JDK client sends chunked.
    HttpResponse<String> c = client.send(HttpRequest.newBuilder(URI.create(fx.url("/chunked")))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream("chunky body".getBytes()))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(c.statusCode()).isEqualTo(200);
    assertThat(c.headers().firstValue("x-request-body-bytes")).hasValue("11");
    assertThat(c.body()).endsWith("chunky body");
  }

  @Test
  void largeBodiesStreamBothWaysIntact() throws Exception {
    byte[] big = new byte[16 * 1024 * 1024];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) ('a' + i % 26);
    }
    HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(fx.url("/big")))
        .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    byte[] body = r.body();
    byte[] tail = java.util.Arrays.copyOfRange(body, body.length - big.length, body.length);
    assertThat(tail).isEqualTo(big);
  }

  @Test
  void routesByPathRegexHeaderAndRewrites() throws Exception {
    assertThat(Http.get(client, fx.url("/exact")).headers().firstValue("x-upstream-name")).hasValue("b");
    assertThat(Http.get(client, fx.url("/exact/more")).headers().firstValue("x-upstream-name")).hasValue("a");
    assertThat(Http.get(client, fx.url("/re/123")).headers().firstValue("x-upstream-name")).hasValue("b");
    assertThat(Http.get(client, fx.url("/re/abc")).headers().firstValue("x-upstream-name")).hasValue("a");
    HttpResponse<String> hdr = client.send(HttpRequest.newBuilder(URI.create(fx.url("/hdr"))).header("x-pick", "b").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(hdr.headers().firstValue("x-upstream-name")).hasValue("b");
    assertThat(Http.get(client, fx.url("/hdr")).headers().firstValue("x-upstream-name")).hasValue("a");
    HttpResponse<String> rw = Http.get(client, fx.url("/api/users?id=7"));
    assertThat(rw.body()).startsWith("GET /v2/users?id=7\n").contains("host: rewritten.example\n")
        .contains("x-envoy-original-path: /api/users?id=7\n");
  }

  @Test
  void directResponseAndVirtualHostsByDomain() throws Exception {
    HttpResponse<String> d = Http.get(client, fx.url("/direct"));
    assertThat(d.statusCode()).isEqualTo(200);
    assertThat(d.body()).isEqualTo("hello direct");
    String other = RawHttp.exchange(fx.port(), "GET / HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n", 5000);
    assertThat(other).startsWith("HTTP/1.1 201 Created").endsWith("other vhost");
    String wild = RawHttp.exchange(fx.port(), "GET / HTTP/1.1\r\nHost: api.wild.example:8080\r\nConnection: close\r\n\r\n", 5000);
    assertThat(wild).startsWith("HTTP/1.1 201");
    String noRoute = RawHttp.exchange(fx.port(), "GET /nope HTTP/1.1\r\nHost: strict.example\r\nConnection: close\r\n\r\n", 5000);
    assertThat(noRoute).startsWith("HTTP/1.1 404");
    awaitLogLine(l -> l.contains("\"GET /nope HTTP/1.1\" 404 NR "));
  }

  @Test
  void weightedClustersSpreadTraffic() throws Exception {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 60 && seen.size() < 2; i++) {
      seen.add(Http.get(client, fx.url("/weighted")).headers().firstValue("x-upstream-name").orElseThrow());
    }
    assertThat(seen).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void unreachableUpstreamIs503WithUpstreamConnectionFailureFlag() throws Exception {
    HttpResponse<String> r = Http.get(client, fx.url("/dead"));
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).startsWith("upstream connect error or disconnect/reset before headers. reset reason: connection failure");
    String line = awaitLogLine(l -> l.contains("\"GET /dead HTTP/1.1\""));
    assertThat(line).contains("\" 503 UF ").endsWith("\"127.0.0.1:" + fx.deadPort + "\"");
  }

  @Test
  void upstreamResetIs503WithConnectionTerminationFlag() throws Exception {
    HttpResponse<String> r = Http.get(client, fx.url("/reset"));
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("reset reason: connection termination");
    assertThat(awaitLogLine(l -> l.contains("\"GET /reset HTTP/1.1\""))).contains("\" 503 UC ");
    assertThat(Http.get(client, fx.url("/after-reset")).statusCode()).isEqualTo(200);
  }

  @Test
  void upstreamGarbageIs502WithProtocolErrorFlag() throws Exception {
    HttpResponse<String> r = Http.get(client, fx.url("/garbage"));
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).isEqualTo("upstream connect error or disconnect/reset before headers. reset reason: protocol error");
    assertThat(awaitLogLine(l -> l.contains("\"GET /garbage HTTP/1.1\""))).contains("\" 502 UPE ");
    assertThat(Http.get(client, fx.url("/after-garbage")).statusCode()).isEqualTo(200);
  }

  @Test
  void routeTimeoutIs504WithUpstreamTimeoutFlag() throws Exception {
    long t0 = System.nanoTime();
    HttpResponse<String> r = Http.get(client, fx.url("/timeout"));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(r.body()).isEqualTo("upstream request timeout");
    assertThat(ms).isLessThan(2900);
    assertThat(awaitLogLine(l -> l.contains("\"GET /timeout HTTP/1.1\""))).contains("\" 504 UT ");
  }

  @Test
  void oversizedHeadersGet431AndTheServerKeepsServing() throws Exception {
    String big = "x".repeat(10_000);
    String resp = RawHttp.exchange(fx.port(), "GET / HTTP/1.1\r\nHost: a\r\nx-big: " + big + "\r\n\r\n", 5000);
    assertThat(resp).startsWith("HTTP/1.1 431 Request Header Fields Too Large");
    assertThat(Http.get(client, fx.url("/still-ok")).statusCode()).isEqualTo(200);
  }

  @Test
  void garbageGets400ConnectionClosedAndServerKeepsServing() throws Exception {
    String resp = RawHttp.exchange(fx.port(), "\u0001\u0002 NOT HTTP AT ALL\r\n\r\n", 5000);
    assertThat(resp).startsWith("HTTP/1.1 400 Bad Request");
    assertThat(RawHttp.closedAfter(fx.port(), "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", 5000)).isTrue();
    assertThat(Http.get(client, fx.url("/still-ok")).statusCode()).isEqualTo(200);
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    String resp = RawHttp.exchange(fx.port(),
        "GET /slow/200 HTTP/1.1\r\nHost: a\r\n\r\nGET /direct HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 5000);
    int first = resp.indexOf("GET /slow/200");
    int direct = resp.indexOf("hello direct");
    int second = resp.indexOf("GET /second");
    assertThat(first).isGreaterThan(0);
    assertThat(direct).isGreaterThan(first);
    assertThat(second).isGreaterThan(direct);
  }

  @Test
  void headAndBodylessStatusesKeepTheConnectionUsable() throws Exception {
    HttpResponse<String> head = client.send(HttpRequest.newBuilder(URI.create(fx.url("/head")))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    for (int code : new int[] {204, 304, 404, 500}) {
      HttpResponse<String> r = Http.get(client, fx.url("/status/" + code));
      assertThat(r.statusCode()).isEqualTo(code);
    }
    String raw = RawHttp.exchange(fx.port(), "HEAD /x HTTP/1.1\r\nHost: a\r\n\r\nGET /status/204 HTTP/1.1\r\nHost: a\r\n\r\n"
        + "GET /direct HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 5000);
    assertThat(raw).startsWith("HTTP/1.1 200 OK").contains("HTTP/1.1 204 No Content").endsWith("hello direct");
  }

  @Test
  void http10ClientGetsResponseAndClose() throws Exception {
    String resp = RawHttp.exchange(fx.port(), "GET /direct HTTP/1.0\r\n\r\n", 5000);
    assertThat(resp).startsWith("HTTP/1.1 200").endsWith("hello direct");
  }

  @Test
  void http2UpstreamMultiplexesOnFewConnections() throws Exception {
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = Http.get(client, fx.url("/h2up/" + i));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("h2 upstream saw /h2up/" + i);
      assertThat(r.headers().firstValue("x-upstream-protocol")).hasValue("HTTP/2");
    }
    // One connection per worker at most (2 workers).
    assertThat(fx.h2.connections.get()).isBetween(1, 2);
  }

  @Test
  void manyConcurrentRequestsAllSucceed() throws Exception {
    var futures = new java.util.ArrayList<java.util.concurrent.CompletableFuture<HttpResponse<String>>>();
    for (int i = 0; i < 50; i++) {
      futures.add(client.sendAsync(HttpRequest.newBuilder(URI.create(fx.url("/c/" + i))).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < futures.size(); i++) {
      HttpResponse<String> r = futures.get(i).get();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("GET /c/" + i + "\n");
    }
  }
}

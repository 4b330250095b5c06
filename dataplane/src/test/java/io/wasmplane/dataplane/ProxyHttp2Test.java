package io.wasmplane.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.H2cClient;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.ProxyFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** HTTP/2 downstream: h2c prior knowledge, h2c upgrade, TLS with ALPN h2 and http/1.1, on real sockets. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ProxyHttp2Test {
  private ProxyFixture fx;
  private Dataplane tls;
  private Path tlsLog;

  @BeforeAll
  void start() throws Exception {
    fx = new ProxyFixture();
    tlsLog = Files.createTempFile("tls-access", ".log");
    String transport = """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
            common_tls_context:
              alpn_protocols: [h2, http/1.1]
              tls_certificates:
              - certificate_chain: {filename: %s}
                private_key: {inline_string: "%s"}
        """.formatted(Http.resource("/tls/server.crt"),
        Files.readString(Path.of(Http.resource("/tls/server.key"))).replace("\n", "\\n"));
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: a}
        """;
    tls = Bootstraps.start(Bootstraps.bootstrap(routes, null, Bootstraps.staticCluster("a", fx.a.port(), null), tlsLog, transport));
  }

  @AfterAll
  void stop() throws Exception {
    tls.close();
    fx.close();
    Files.deleteIfExists(tlsLog);
  }

  @Test
  void h2cPriorKnowledgeWithNettyClientMultiplexesStreams() throws Exception {
    try (H2cClient c = new H2cClient(fx.port())) {
      List<CompletableFuture<H2cClient.Response>> rs = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        rs.add(c.request("GET", "/p/" + i, "h2.test", null));
      }
      rs.add(c.request("POST", "/post", "h2.test", "h2 body"));
      for (int i = 0; i < 20; i++) {
        H2cClient.Response r = rs.get(i).get(10, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).startsWith("GET /p/" + i + "\n").contains("host: h2.test\n").doesNotContain("x-http2-");
        assertThat(r.headers().get("server").toString()).isEqualTo("envoy");
      }
      H2cClient.Response post = rs.get(20).get(10, TimeUnit.SECONDS);
      assertThat(post.body()).startsWith("POST /post\n").endsWith("h2 body");
      H2cClient.Response direct = c.request("GET", "/direct", "h2.test", null).get(10, TimeUnit.SECONDS);
      assertThat(direct.status()).isEqualTo(200);
      assertThat(direct.body()).isEqualTo("hello direct");
      H2cClient.Response dead = c.request("GET", "/dead", "h2.test", null).get(10, TimeUnit.SECONDS);
      assertThat(dead.status()).isEqualTo(503);
      // The connection survives an upstream failure on one stream.
      assertThat(c.request("GET", "/after", "h2.test", null).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);

    }
  }

  @Test
  void h2cRequestBodiesLargerThanTheFlowControlWindowArriveWhole() throws Exception {
    // 3 x 300 KB on one connection: far past the 64 KB stream and connection windows, so this only completes if the
    // proxy returns what it read to the window (WINDOW_UPDATE) as the streams' connection managers consume it.
    String body = "0123456789abcdef".repeat(300 * 1024 / 16);
    try (H2cClient c = new H2cClient(fx.port())) {
      List<CompletableFuture<H2cClient.Response>> rs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        rs.add(c.request("POST", "/big/" + i, "h2.test", body));
      }
      for (int i = 0; i < 3; i++) {
        H2cClient.Response r = rs.get(i).get(20, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).startsWith("POST /big/" + i + "\n").endsWith(body);
      }
    }
  }

  @Test
  void h2cUpgradeFromHttp11WithJdkClient() throws Exception {
    HttpClient client = Http.h2();
    HttpResponse<String> r = Http.get(client, fx.url("/upgraded"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(r.body()).startsWith("GET /upgraded\n");
    HttpResponse<String> second = client.send(HttpRequest.newBuilder(URI.create(fx.url("/second")))
        .POST(HttpRequest.BodyPublishers.ofString("after upgrade")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(second.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(second.body()).startsWith("POST /second\n").endsWith("after upgrade");
  }

  @Test
  void tlsWithAlpnServesHttp2AndHttp11() throws Exception {
    String url = "https://127.0.0.1:" + tls.port("ingress") + "/secure";
    HttpResponse<String> h2 = Http.get(Http.tls(HttpClient.Version.HTTP_2), url);
    assertThat(h2.statusCode()).isEqualTo(200);
    assertThat(h2.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(h2.body()).contains("x-forwarded-proto: https\n");
    HttpResponse<String> h1 = Http.get(Http.tls(HttpClient.Version.HTTP_1_1), url);
    assertThat(h1.statusCode()).isEqualTo(200);
    assertThat(h1.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
  }

  @Test
  void curlPriorKnowledgeWhenPresent() throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/curl"))) {
      return; // curl is optional on the build machine; the Netty client test covers the same path
    }
    Process p = new ProcessBuilder("curl", "-s", "-m", "10", "--http2-prior-knowledge", "-o", "-", "-w", "\n%{http_version} %{http_code}",
        fx.url("/curl")).redirectErrorStream(true).start();
    assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(out).startsWith("GET /curl\n").endsWith("\n2 200");
    // Headers over max_request_headers_kb (8 KiB here) get 431 over HTTP/2 too. (Netty's own client refuses to send
    // them, honouring our SETTINGS_MAX_HEADER_LIST_SIZE, so curl sends them.)
    Process big = new ProcessBuilder("curl", "-s", "-m", "10", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
        "-H", "x-big: " + "x".repeat(10_000), fx.url("/big")).redirectErrorStream(true).start();
    assertThat(big.waitFor(15, TimeUnit.SECONDS)).isTrue();
    assertThat(new String(big.getInputStream().readAllBytes())).isEqualTo("2 431");
  }
}

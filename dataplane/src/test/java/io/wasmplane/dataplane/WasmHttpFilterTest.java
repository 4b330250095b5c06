package io.wasmplane.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.filters.http.wasm running a real Proxy-Wasm plugin built from source with the AssemblyScript SDK
 * (plugins/assemblyscript/as_headers), configured as Istio would (runtime v8), through real sockets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class WasmHttpFilterTest {
  private TestUpstream upstream;
  private TestUpstream auth;
  private Dataplane dp;
  private final HttpClient client = Http.h1();

  static Path plugin(String relative) {
    String dir = System.getProperty("wasmplane.plugins.dir", "../plugins/build");
    Path p = Path.of(dir, relative);
    if (!Files.isRegularFile(p)) {
      throw new IllegalStateException(p + " is missing: run plugins/build.sh (make plugins) before the tests");
    }
    return p;
  }

  static String wasmFilter(String codeSource, String configuration) {
    return """
        - name: envoy.filters.http.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
            config:
              name: as_headers_plugin
              root_id: as_headers
              configuration:
                "@type": type.googleapis.com/google.protobuf.StringValue
                value: "%s"
              vm_config:
                vm_id: as_vm
                runtime: envoy.wasm.runtime.v8
                code:
                  local: {%s}
        """.formatted(configuration, codeSource);
  }

  static String bootstrapWith(String filter, int upstreamPort) {
    return bootstrapWith(filter, upstreamPort, "");
  }

  static String bootstrapWith(String filter, int upstreamPort, String moreClusters) {
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: up}
        """;
    String indented = filter.lines().map(l -> "          " + l).reduce("", (a, b) -> a + b + "\n");
    return Bootstraps.bootstrap(routes, null, Bootstraps.staticCluster("up", upstreamPort, null) + moreClusters, Path.of("/dev/null"), null)
        .replace("          http_filters:\n", "          http_filters:\n" + indented);
  }

  @BeforeAll
  void start() throws Exception {
    upstream = new TestUpstream("up");
    auth = new TestUpstream("auth");
    dp = Bootstraps.start(bootstrapWith(wasmFilter("filename: " + plugin("assemblyscript/as_headers.wasm"), "stamp=v1"), upstream.port()));
  }

  @AfterAll
  void stop() {
    dp.close();
    upstream.close();
    auth.close();
  }

  /**
   * proxy_http_call goes through the named cluster (the auth upstream sees the call); the answer comes back to the
   * plugin's root context on the same worker, as Envoy delivers it, and the plugin resumes the request with it.
   */
  @Test
  void httpCallGoesThroughTheClusterAndResumesTheRequestWithItsAnswer() throws Exception {
    String clusters = Bootstraps.staticCluster("auth", auth.port(), null);
    try (Dataplane own = Bootstraps.start(bootstrapWith(wasmFilter("filename: " + plugin("assemblyscript/as_headers.wasm"), "stamp=v1"),
        upstream.port(), clusters))) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + own.port("ingress") + "/auth/me")).header("x-user", "bob")
          .timeout(java.time.Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(auth.requests.get()).isPositive();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("x-auth-result: allowed user=bob\n");
    }
  }

  private String url(String path) {
    return "http://127.0.0.1:" + dp.port("ingress") + path;
  }

  @Test
  void pluginRewritesRequestAndResponseHeaders() throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url("/hello"))).header("x-user", "alice").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    // What the upstream received, as the plugin set it.
    assertThat(r.body()).contains("x-as-stamp: v1\n").contains("x-as-route: GET /hello\n")
        .contains("x-as-plugin: as_headers_plugin\n").containsPattern("x-as-source: 127\\.0\\.0\\.1:\\d+\n");
    // What the client received; upstream.address and upstream.local_address name the connection that answered.
    assertThat(r.headers().firstValue("x-as-stamp")).hasValue("v1");
    assertThat(r.headers().firstValue("x-as-upstream").orElseThrow())
        .matches("127\\.0\\.0\\.1:" + upstream.port() + " from 127\\.0\\.0\\.1:\\d+");
  }

  @Test
  void pluginLocalReplyNeverReachesTheUpstream() throws Exception {
    int before = upstream.requests.get();
    HttpResponse<String> r = Http.get(client, url("/deny/this"));
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).isEqualTo("denied by as_headers");
    assertThat(r.headers().firstValue("x-denied-by")).hasValue("v1");
    assertThat(upstream.requests.get()).isEqualTo(before);
  }

  @Test
  void worksOverHttp2AndOnBothWorkersAndCountsInStats() throws Exception {
    HttpClient h2 = Http.h2();
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = Http.get(i % 2 == 0 ? h2 : Http.h1(), url("/n/" + i));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("x-as-stamp: v1\n");
    }
    assertThat(dp.server().stats().snapshot().counter("as_headers.requests")).isGreaterThanOrEqualTo(10);
    String stats = Http.get(client, "http://127.0.0.1:" + dp.adminPort() + "/stats").body();
    assertThat(stats).containsPattern("(?m)^as_headers\\.requests: [1-9]\\d*$");
    // The SDK's Histogram (header count per request) is a histogram in /stats and /stats/prometheus.
    assertThat(stats).containsPattern("(?m)^as_headers\\.header_count: P0\\((nan|[0-9.]+),[1-9][0-9.]*\\) P25\\(");
    String prom = Http.get(client, "http://127.0.0.1:" + dp.adminPort() + "/stats/prometheus?filter=header_count").body();
    assertThat(prom).startsWith("# TYPE envoy_as_headers_header_count histogram\n")
        .containsPattern("(?m)^envoy_as_headers_header_count_count ([1-9]\\d|\\d{3,})$");
    // One VM per worker that served traffic (2 workers), as Envoy counts them.
    assertThat(stats).containsPattern("(?m)^wasm\\.envoy\\.wasm\\.runtime\\.v8\\.created: [12]$")
        .containsPattern("(?m)^wasm\\.envoy\\.wasm\\.runtime\\.v8\\.active: [12]$");
  }

  /** Compiles a WAT test plugin from src/test/resources/wat with Debian wabt's wat2wasm (a build requirement). */
  static Path wat(String name) throws Exception {
    Path src = Path.of(Http.resource("/wat/" + name + ".wat"));
    Path out = Files.createTempFile(name, ".wasm");
    Process p = new ProcessBuilder("wat2wasm", "--enable-all", src.toString(), "-o", out.toString()).redirectErrorStream(true).start();
    if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("wat2wasm failed for " + src + ": " + new String(p.getInputStream().readAllBytes()));
    }
    return out;
  }

  @Test
  void failurePolicyDecidesWhatAStreamGetsWhenThePluginTraps() throws Exception {
    Path trap = wat("dp_trap");
    try {
      for (String policy : new String[] {"FAIL_OPEN", "FAIL_CLOSED"}) {
        String filter = wasmFilter("filename: " + trap, "x").replace("root_id: as_headers", "root_id: \"\"")
            .replace("      vm_config:", "      failure_policy: " + policy + "\n      vm_config:");
        try (Dataplane d = Bootstraps.start(bootstrapWith(filter, upstream.port()))) {
          int before = upstream.requests.get();
          HttpResponse<String> r = Http.get(client, "http://127.0.0.1:" + d.port("ingress") + "/trap");
          if (policy.equals("FAIL_OPEN")) {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(upstream.requests.get()).isEqualTo(before + 1);
          } else {
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(upstream.requests.get()).isEqualTo(before);
          }
        }
      }
    } finally {
      Files.deleteIfExists(trap);
    }
  }

  @Test
  void inlineBytesCodeWorksAndABadConfigurationIsAStartupError() throws Exception {
    String b64 = Base64.getEncoder().encodeToString(Files.readAllBytes(plugin("assemblyscript/as_headers.wasm")));
    try (Dataplane inline = Bootstraps.start(bootstrapWith(wasmFilter("inline_bytes: " + b64, "stamp=inline"), upstream.port()))) {
      HttpResponse<String> r = Http.get(client, "http://127.0.0.1:" + inline.port("ingress") + "/x");
      assertThat(r.body()).contains("x-as-stamp: inline\n");
    }
    // on_configure returns false without a stamp: the bootstrap is rejected, naming the filter.
    assertThatThrownBy(() -> Bootstraps.start(bootstrapWith(wasmFilter("filename: " + plugin("assemblyscript/as_headers.wasm"), "nostamp=1"),
        upstream.port()))).isInstanceOf(ConfigException.class).hasMessageContaining("http_filters envoy.filters.http.wasm")
        .hasMessageContaining("as_headers_plugin");
    assertThatThrownBy(() -> Bootstraps.start(bootstrapWith(wasmFilter("filename: /nonexistent.wasm", "stamp=x"), upstream.port())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cannot read /nonexistent.wasm");
  }
}

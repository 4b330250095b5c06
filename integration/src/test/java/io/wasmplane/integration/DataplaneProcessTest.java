package io.wasmplane.integration;

import static io.wasmplane.integration.Ports.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** End to end: the packaged data plane started with Envoy's flags and the bootstrap files in src/test/resources. */
@Timeout(180)
class DataplaneProcessTest {

  /** Copies a bootstrap resource to a temp file with ${NAME} replaced. */
  private static Path bootstrap(String resource, Map<String, String> vars) throws IOException {
    String text;
    try (InputStream in = DataplaneProcessTest.class.getResourceAsStream("/bootstraps/" + resource)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    for (Map.Entry<String, String> e : vars.entrySet()) {
      text = text.replace("${" + e.getKey() + "}", e.getValue());
    }
    String suffix = resource.substring(resource.lastIndexOf('.'));
    Path f = Files.createTempFile("bootstrap", suffix);
    Files.writeString(f, text);
    return f;
  }

  private static HttpResponse<String> get(HttpClient c, String url) throws Exception {
    return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesTrafficFromAYamlBootstrapAndDrainsOnSigterm() throws Exception {
    try (EchoUpstream up = new EchoUpstream()) {
      int listener = freePort();
      int admin = freePort();
      Path log = Files.createTempFile("access", ".log");
      Path file = bootstrap("basic.yaml", Map.of("ADMIN_PORT", "" + admin, "LISTENER_PORT", "" + listener,
          "UPSTREAM_PORT", "" + up.port(), "DEAD_PORT", "" + freePort(), "ACCESS_LOG", log.toString()));
      try (DataplaneProcess dp = DataplaneProcess.start("-c", file.toString(), "--concurrency", "2",
          "--service-node", "node-from-flag", "-l", "info", "--drain-time-s", "10", "--drain-strategy", "immediate")) {
        dp.awaitReady(admin);
        HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = get(h1, "http://127.0.0.1:" + listener + "/hello");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("upstream saw GET /hello");
        assertThat(get(h1, "http://127.0.0.1:" + listener + "/static").body()).isEqualTo("served by the proxy itself");
        HttpResponse<String> dead = get(h1, "http://127.0.0.1:" + listener + "/unreachable");
        assertThat(dead.statusCode()).isEqualTo(503);
        HttpResponse<String> h2 = get(HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build(),
            "http://127.0.0.1:" + listener + "/over-h2c");
        assertThat(h2.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(h2.body()).isEqualTo("upstream saw GET /over-h2c");
        if (Files.isExecutable(Path.of("/usr/bin/curl"))) {
          Process curl = new ProcessBuilder("curl", "-s", "-m", "10", "--http2-prior-knowledge", "http://127.0.0.1:" + listener + "/curl")
              .redirectErrorStream(true).start();
          assertThat(curl.waitFor(15, TimeUnit.SECONDS)).isTrue();
          assertThat(new String(curl.getInputStream().readAllBytes())).isEqualTo("upstream saw GET /curl");
        }
        String info = get(h1, "http://127.0.0.1:" + admin + "/server_info").body();
        assertThat(info).contains("\"serviceNode\": \"node-from-flag\"").contains("\"concurrency\": 2")
            .contains("\"drainStrategy\": \"Immediate\"");
        String stats = get(h1, "http://127.0.0.1:" + admin + "/stats").body();
        assertThat(stats).contains("cluster.backend.upstream_rq_200: ").contains("cluster.unreachable.upstream_cx_connect_fail: 1\n");

        // SIGTERM while a slow request runs: the request completes, then the process exits.
        CompletableFuture<HttpResponse<String>> slow = h1.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener + "/slow/1000")).build(), HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);
        dp.process.destroy();
        assertThat(slow.get(20, TimeUnit.SECONDS).body()).isEqualTo("upstream saw GET /slow/1000");
        dp.awaitExit(30);
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).contains("GET /hello HTTP/1.1 200 - backend 127.0.0.1:" + up.port(),
            "GET /static HTTP/1.1 200 - - -", "GET /over-h2c HTTP/2 200 - backend 127.0.0.1:" + up.port());
        assertThat(lines).anyMatch(l -> l.matches("GET /unreachable HTTP/1\\.1 503 UF unreachable 127\\.0\\.0\\.1:\\d+"));
        assertThat(lines).contains("GET /slow/1000 HTTP/1.1 200 - backend 127.0.0.1:" + up.port());
      } finally {
        Files.deleteIfExists(file);
        Files.deleteIfExists(log);
      }
    }
  }

  @Test
  void wasmFilterFromTheBootstrapRunsInThePackagedProcess() throws Exception {
    Path plugin = Path.of(System.getProperty("wasmplane.plugins.dir", DataplaneProcess.repoRoot().resolve("plugins/build").toString()),
        "assemblyscript", "as_headers.wasm");
    assertThat(plugin).as("built by plugins/build.sh").isRegularFile();
    try (EchoUpstream up = new EchoUpstream()) {
      int listener = freePort();
      int admin = freePort();
      Path file = bootstrap("wasm.yaml", Map.of("ADMIN_PORT", "" + admin, "LISTENER_PORT", "" + listener,
          "UPSTREAM_PORT", "" + up.port(), "PLUGIN", plugin.toString()));
      try (DataplaneProcess dp = DataplaneProcess.start("-c", file.toString(), "--concurrency", "2")) {
        dp.awaitReady(admin);
        HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = get(h1, "http://127.0.0.1:" + listener + "/through-wasm");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-as-stamp")).hasValue("from-bootstrap");
        HttpResponse<String> denied = get(h1, "http://127.0.0.1:" + listener + "/deny");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo("denied by as_headers");
        assertThat(get(h1, "http://127.0.0.1:" + admin + "/stats").body()).containsPattern("(?m)^as_headers\\.requests: [1-9]");
      } finally {
        Files.deleteIfExists(file);
      }
    }
  }

  @Test
  void jsonBootstrapWithConfigYamlOverlayAndQuitQuitQuit() throws Exception {
    int listener = freePort();
    int admin = freePort();
    Path file = bootstrap("basic.json", Map.of("LISTENER_PORT", "" + listener));
    try (DataplaneProcess dp = DataplaneProcess.start("-c", file.toString(), "--concurrency", "1",
        "--config-yaml", "admin: {address: {socket_address: {address: 127.0.0.1, port_value: " + admin + "}}}")) {
      dp.awaitReady(admin);
      HttpClient c = HttpClient.newHttpClient();
      assertThat(get(c, "http://127.0.0.1:" + listener + "/").body()).isEqualTo("json bootstrap");
      HttpResponse<String> quit = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/quitquitquit"))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(quit.body()).isEqualTo("OK\n");
      assertThat(dp.awaitExit(30)).isZero();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void badBootstrapsFailFastWithAClearMessage() throws Exception {
    Path malformed = bootstrap("malformed.yaml", Map.of());
    Path unknown = bootstrap("unknown-cluster.yaml", Map.of());
    try (DataplaneProcess m = DataplaneProcess.start("-c", malformed.toString());
         DataplaneProcess u = DataplaneProcess.start("-c", unknown.toString());
         DataplaneProcess d = DataplaneProcess.start("-c", unknown.toString(), "--drain-strategy", "slow");
         ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThat(m.awaitExit(60)).isEqualTo(1);
      assertThat(m.output()).contains("error: bootstrap " + malformed + " is not valid YAML/JSON");
      assertThat(u.awaitExit(60)).isEqualTo(1);
      assertThat(u.output()).contains("unknown cluster 'does_not_exist'");
      assertThat(d.awaitExit(60)).isEqualTo(1);
      assertThat(d.output()).contains("error: unknown --drain-strategy 'slow' (gradual, immediate)");
      Path inUse = bootstrap("basic.json", Map.of("LISTENER_PORT", "" + taken.getLocalPort()));
      try (DataplaneProcess p = DataplaneProcess.start("-c", inUse.toString())) {
        assertThat(p.awaitExit(60)).isEqualTo(1);
        assertThat(p.output()).contains("error: listener json_listener: cannot bind 127.0.0.1:" + taken.getLocalPort() + ": address already in use");
      } finally {
        Files.deleteIfExists(inUse);
      }
    } finally {
      Files.deleteIfExists(malformed);
      Files.deleteIfExists(unknown);
    }
  }
}

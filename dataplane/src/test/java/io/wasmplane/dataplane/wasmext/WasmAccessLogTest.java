package io.wasmplane.dataplane.wasmext;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.access_loggers.wasm on the HTTP connection manager with plugins/c/c_access_log.c (clang, from source): after
 * each stream the plugin's proxy_on_log reads the request/response headers and the stream properties and ships a line
 * to a real collector over proxy_http_call; the line carries the right status, size, response flags and a duration
 * that covers the upstream's delay.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class WasmAccessLogTest {
  private static final long UPSTREAM_DELAY_MS = 150;
  private Collector collector;
  private Dataplane dp;
  private final HttpClient client = Http.h1();

  @BeforeAll
  void start() throws Exception {
    collector = new Collector(UPSTREAM_DELAY_MS);
    String accessLog = """
                  - name: envoy.access_loggers.wasm
                    filter: {header_filter: {header: {name: x-skip-log, present_match: true, invert_match: true}}}
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.access_loggers.wasm.v3.WasmAccessLog
                      config:
                        name: c_access_log
                        root_id: c_access_log
                        configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: collector}
                        vm_config:
                          vm_id: c_access_log
                          runtime: envoy.wasm.runtime.v8
                          code: {local: {filename: "%s"}}
        """.formatted(Collector.plugin("c_access_log"));
    dp = Bootstraps.start("""
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        static_resources:
          listeners:
        %s
          clusters:
        %s
        %s
        """.formatted(Collector.listener(accessLog, ""), Collector.cluster("up", collector.port()),
        Collector.cluster("collector", collector.port())));
  }

  @AfterAll
  void stop() {
    if (dp != null) {
      dp.close();
    }
    collector.close();
  }

  /** AccessLog.filter applies to a Wasm logger too: a filtered-out stream never reaches the plugin's proxy_on_log. */
  @Test
  void aStreamTheFilterRejectsIsNotLogged() throws Exception {
    String base = "http://127.0.0.1:" + dp.port("ingress");
    assertThat(client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/hello?skipped=1")).header("x-skip-log", "1")
        .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(201);
    assertThat(Http.get(client, base + "/hello?after=1").statusCode()).isEqualTo(201);
    assertThat(Collector.await(() -> collector.posted.stream().anyMatch(l -> l.startsWith("GET /hello?after=1 ")), 10_000)).isTrue();
    Thread.sleep(200); // the skipped stream ended first: had it been logged, its line would be here by now
    assertThat(collector.posted).noneMatch(l -> l.startsWith("GET /hello?skipped=1 "));
  }

  @Test
  void logsStatusDurationAndSizeAfterTheResponse() throws Exception {
    HttpResponse<String> r = Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/hello?x=1");
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(Collector.await(() -> collector.posted.stream().anyMatch(l -> l.startsWith("GET /hello?x=1 ")), 10_000)).isTrue();
    String line = collector.posted.stream().filter(l -> l.startsWith("GET /hello?x=1 ")).findFirst().orElseThrow();
    Matcher m = Pattern.compile("GET /hello\\?x=1 201 (\\d+) 5 flags=0 up=yes src=127\\.0\\.0\\.1:\\d+").matcher(line);
    assertThat(m.matches()).as(line).isTrue();
    long durationMs = Long.parseLong(m.group(1));
    assertThat(durationMs).isBetween(UPSTREAM_DELAY_MS - 5, 30_000L);
  }

  @Test
  void logsALocalReplyWithItsResponseFlag() throws Exception {
    HttpResponse<String> r = Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/nowhere");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(Collector.await(() -> collector.posted.stream().anyMatch(l -> l.startsWith("GET /nowhere ")), 10_000)).isTrue();
    String line = collector.posted.stream().filter(l -> l.startsWith("GET /nowhere ")).findFirst().orElseThrow();
    // Envoy's NoRouteFound is bit 0x100.
    assertThat(line).matches("GET /nowhere 404 \\d+ \\d+ flags=256 up=- src=127\\.0\\.0\\.1:\\d+");
  }
}

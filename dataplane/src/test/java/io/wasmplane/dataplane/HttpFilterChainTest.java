package io.wasmplane.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.wasmplane.dataplane.http.FilterCallbacks;
import io.wasmplane.dataplane.http.FilterStatus;
import io.wasmplane.dataplane.http.HttpFilter;
import io.wasmplane.dataplane.http.HttpFilterRegistry;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The HttpFilter SPI through real sockets: order of decode/encode, StopIteration with a later resume (body arriving
 * meanwhile is held), StopAndBuffer with body replacement on both sides, and local replies.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class HttpFilterChainTest {
  private TestUpstream upstream;
  private Dataplane dp;
  private final HttpClient client = Http.h1();

  /** Pauses request headers, resumes 100 ms later from a timer on the stream's event loop. */
  static final class Pause implements HttpFilter {
    private final FilterCallbacks cb;

    Pause(FilterCallbacks cb) {
      this.cb = cb;
    }

    @Override
    public FilterStatus decodeHeaders(HttpRequest request, boolean end) {
      request.headers().add("x-decode-order", "pause");
      if (request.headers().contains("x-deny")) {
        cb.sendLocalReply(403, "denied by filter", null, "test_denied");
        return FilterStatus.STOP_ITERATION;
      }
      cb.eventLoop().schedule(() -> {
        request.headers().set("x-paused", "resumed");
        cb.continueDecoding();
      }, 100, TimeUnit.MILLISECONDS);
      return FilterStatus.STOP_ITERATION;
    }

    @Override
    public FilterStatus encodeHeaders(HttpResponse response, boolean end) {
      response.headers().add("x-encode-order", "pause");
      return FilterStatus.CONTINUE;
    }
  }

  /** Buffers the whole body in both directions and upper-cases it (same length, so content-length stays right). */
  static final class Upper implements HttpFilter {
    private final FilterCallbacks cb;

    Upper(FilterCallbacks cb) {
      this.cb = cb;
    }

    @Override
    public FilterStatus decodeHeaders(HttpRequest request, boolean end) {
      request.headers().add("x-decode-order", "upper");
      return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus decodeData(ByteBuf data, boolean end) {
      if (!end) {
        return FilterStatus.STOP_AND_BUFFER;
      }
      cb.replaceDecodingData(upper(data));
      return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeHeaders(HttpResponse response, boolean end) {
      response.headers().add("x-encode-order", "upper");
      return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus encodeData(ByteBuf data, boolean end) {
      if (!end) {
        return FilterStatus.STOP_AND_BUFFER;
      }
      cb.replaceEncodingData(upper(data));
      return FilterStatus.CONTINUE;
    }

    private static ByteBuf upper(ByteBuf data) {
      return Unpooled.copiedBuffer(data.toString(StandardCharsets.UTF_8).toUpperCase(Locale.ROOT), StandardCharsets.UTF_8);
    }
  }

  @BeforeAll
  void start() throws Exception {
    HttpFilterRegistry.register("test.pause", (cfg, where) -> Pause::new);
    HttpFilterRegistry.register("test.upper", (cfg, where) -> Upper::new);
    upstream = new TestUpstream("up");
    String filters = """
        http_filters:
        - name: test.pause
          typed_config: {"@type": type.googleapis.com/google.protobuf.Struct}
        - name: test.upper
          typed_config: {"@type": type.googleapis.com/google.protobuf.Struct}
        """;
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: up}
        """;
    String yaml = Bootstraps.bootstrap(routes, null, Bootstraps.staticCluster("up", upstream.port(), null), Path.of("/dev/null"), null)
        .replace("          http_filters:\n", filters.lines().map(l -> "          " + l).reduce("", (a, b) -> a + b + "\n"))
        .replace("          - name: envoy.filters.http.router", "          - name: envoy.filters.http.router");
    dp = Bootstraps.start(yaml);
  }

  @AfterAll
  void stop() {
    dp.close();
    upstream.close();
    HttpFilterRegistry.unregister("test.pause");
    HttpFilterRegistry.unregister("test.upper");
  }

  private String url(String path) {
    return "http://127.0.0.1:" + dp.port("ingress") + path;
  }

  @Test
  void filtersRunInOrderPauseResumeAndRewriteBodies() throws Exception {
    var r = client.send(java.net.http.HttpRequest.newBuilder(URI.create(url("/echo")))
        .POST(BodyPublishers.ofString("hello body sent while paused")).build(), BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    // Upstream saw both decode filters in order, the header set at resume time, and the upper-cased request body.
    // The response body (the echo) was upper-cased again by the encode side.
    assertThat(r.body()).startsWith("POST /ECHO\n").contains("X-DECODE-ORDER: PAUSE\nX-DECODE-ORDER: UPPER\n")
        .contains("X-PAUSED: RESUMED\n").endsWith("HELLO BODY SENT WHILE PAUSED");
    assertThat(r.headers().allValues("x-encode-order")).containsExactly("upper", "pause");
  }

  @Test
  void getWithoutBodyAlsoResumes() throws Exception {
    var r = Http.get(client, url("/plain"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).startsWith("GET /PLAIN\n").contains("X-PAUSED: RESUMED");
  }

  @Test
  void localReplyFromAFilterSkipsTheUpstream() throws Exception {
    int before = upstream.requests.get();
    var r = client.send(java.net.http.HttpRequest.newBuilder(URI.create(url("/deny"))).header("x-deny", "1").build(),
        BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).isEqualTo("denied by filter");
    // A local reply from the first filter passes no encoder filter (none comes before it).
    assertThat(r.headers().allValues("x-encode-order")).isEmpty();
    assertThat(upstream.requests.get()).isEqualTo(before);
  }
}

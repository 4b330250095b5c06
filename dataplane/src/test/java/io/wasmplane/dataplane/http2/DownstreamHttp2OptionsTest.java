package io.wasmplane.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.H2FrameRecorder;
import io.wasmplane.dataplane.testing.H2Upstream;
import io.wasmplane.dataplane.testing.H2cClient;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The HCM's http2_protocol_options on the wire, read by Netty's HTTP/2 client (prior knowledge) through a frame
 * recorder: the SETTINGS it receives, the WINDOW_UPDATE on stream 0 right after them, REFUSED_STREAM for streams past
 * max_concurrent_streams, and a request body larger than 65535 bytes that needs no WINDOW_UPDATE with Envoy's 256 MiB
 * default windows (and does need them with 65535-byte windows).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
class DownstreamHttp2OptionsTest {
  private static final int BODY = 200_000;
  private H2Upstream fast;
  private H2Upstream slow;
  private Dataplane defaults;
  private Dataplane tuned;

  @BeforeAll
  void start() throws Exception {
    fast = new H2Upstream();
    slow = new H2Upstream(b -> b, 700, 0);
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/slow"}
            route: {cluster: slow}
          - match: {prefix: "/"}
            route: {cluster: fast}
        """;
    String clusters = Bootstraps.staticCluster("fast", fast.port(), "http2_protocol_options: {}")
        + Bootstraps.staticCluster("slow", slow.port(), "http2_protocol_options: {}");
    defaults = Bootstraps.start(Bootstraps.bootstrap(routes, "codec_type: HTTP2",
        clusters, Files.createTempFile("h2defaults", ".log"), null));
    tuned = Bootstraps.start(Bootstraps.bootstrap(routes, """
        codec_type: HTTP2
        http2_protocol_options: {hpack_table_size: 8192, max_concurrent_streams: 2, initial_stream_window_size: 65535,
          initial_connection_window_size: 1048576}
        """, clusters, Files.createTempFile("h2tuned", ".log"), null));
  }

  @AfterAll
  void stop() throws Exception {
    defaults.close();
    tuned.close();
    fast.close();
    slow.close();
  }

  @Test
  void envoysDefaultsAreAdvertisedWhenNothingIsSet() throws Exception {
    H2FrameRecorder frames = new H2FrameRecorder();
    try (H2cClient client = new H2cClient(defaults.port("ingress"), b -> b.frameLogger(frames))) {
      Http2Settings s = frames.peerSettings.get(10, TimeUnit.SECONDS);
      assertThat(s.initialWindowSize()).isEqualTo(268435456);
      assertThat(s.maxConcurrentStreams()).isEqualTo(2147483647L);
      assertThat(s.headerTableSize()).isEqualTo(4096);
      assertThat(client.request("GET", "/", "h2.example", null).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(frames.connectionWindowIncrements()).isEqualTo(268435456 - 65535);
      assertThat(connectionSendWindow(client)).isGreaterThanOrEqualTo(268435456 - 65535);
    }
  }

  @Test
  void configuredValuesAreAdvertisedAndTheConnectionWindowRaised() throws Exception {
    H2FrameRecorder frames = new H2FrameRecorder();
    try (H2cClient client = new H2cClient(tuned.port("ingress"), b -> b.frameLogger(frames))) {
      Http2Settings s = frames.peerSettings.get(10, TimeUnit.SECONDS);
      assertThat(s.initialWindowSize()).isEqualTo(65535);
      assertThat(s.maxConcurrentStreams()).isEqualTo(2L);
      assertThat(s.headerTableSize()).isEqualTo(8192);
      assertThat(client.request("GET", "/", "h2.example", null).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(frames.windowUpdates.get(0)).containsExactly(0, 1048576 - 65535);
    }
  }

  @Test
  void streamsPastMaxConcurrentStreamsAreRefused() throws Exception {
    H2FrameRecorder frames = new H2FrameRecorder();
    try (H2cClient client = new H2cClient(tuned.port("ingress"), b -> b.frameLogger(frames))) {
      frames.peerSettings.get(10, TimeUnit.SECONDS);
      // Netty's client keeps to the limit the proxy advertised; this one must not, to see what the proxy does.
      client.channel().eventLoop().submit(() -> codec(client).connection().local().maxActiveStreams(100)).get(10, TimeUnit.SECONDS);
      List<CompletableFuture<H2cClient.Response>> responses = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        responses.add(client.request("GET", "/slow/" + i, "h2.example", null));
      }
      int ok = 0;
      int refused = 0;
      for (CompletableFuture<H2cClient.Response> r : responses) {
        try {
          assertThat(r.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
          ok++;
        } catch (ExecutionException e) {
          refused++; // the reset's code is on the wire: see resetsReceived below
        }
      }
      assertThat(ok).isEqualTo(2);
      assertThat(refused).isEqualTo(1);
      assertThat(frames.resetsReceived).containsExactly(Http2Error.REFUSED_STREAM.code());
    }
  }

  @Test
  void aLargeBodyNeedsNoWindowUpdateWithEnvoysDefaultWindows() throws Exception {
    H2FrameRecorder frames = new H2FrameRecorder();
    try (H2cClient client = new H2cClient(defaults.port("ingress"), b -> b.frameLogger(frames))) {
      // A stream opened before the client acknowledged our SETTINGS starts with 65535 and gets the rest as a
      // WINDOW_UPDATE when the ACK arrives (RFC 9113 6.9.2): wait for the SETTINGS so the ACK precedes the stream.
      frames.peerSettings.get(10, TimeUnit.SECONDS);
      assertThat(client.request("POST", "/upload", "h2.example", "x".repeat(BODY)).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(frames.dataBytesSent.get()).isEqualTo(BODY);
      assertThat(frames.windowUpdateCount(-1)).isZero(); // no stream-level WINDOW_UPDATE
      assertThat(frames.windowUpdateCount(0)).isEqualTo(1); // only the one after the preface
    }
  }

  @Test
  void withTheMinimalWindowTheSameBodyWaitsForWindowUpdates() throws Exception {
    H2FrameRecorder frames = new H2FrameRecorder();
    try (H2cClient client = new H2cClient(tuned.port("ingress"), b -> b.frameLogger(frames))) {
      assertThat(client.request("POST", "/upload", "h2.example", "x".repeat(BODY)).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(frames.dataBytesSent.get()).isEqualTo(BODY);
      assertThat(frames.windowUpdateCount(-1)).isPositive();
    }
  }

  private static Http2FrameCodec codec(H2cClient client) {
    return client.channel().pipeline().get(Http2FrameCodec.class);
  }

  /** How much the client may still send on the connection, as its flow controller sees it. */
  private static int connectionSendWindow(H2cClient client) throws Exception {
    return client.channel().eventLoop().submit(() -> {
      var c = codec(client).connection();
      return c.remote().flowController().windowSize(c.connectionStream());
    }).get(10, TimeUnit.SECONDS);
  }
}

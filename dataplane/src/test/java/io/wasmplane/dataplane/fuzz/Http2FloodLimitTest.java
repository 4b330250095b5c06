package io.wasmplane.dataplane.fuzz;

import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.DATA;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.END_HEADERS;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.END_STREAM;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.HEADERS;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.PING;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.PREFACE;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.PRIORITY;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.SETTINGS;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.WINDOW_UPDATE;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.block;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.check;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.frame;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.H2cClient;
import io.wasmplane.dataplane.testing.LoopbackAcceptor;
import io.wasmplane.dataplane.testing.RawExchange;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP/2 flood limits with raw frames (Netty's client never floods): max_consecutive_inbound_frames_with_empty_payload
 * (Envoy's default 1 lets one empty DATA frame through and answers the second in a row with GOAWAY ENHANCE_YOUR_CALM,
 * http2.inbound_empty_frames_flood), max_inbound_priority_frames_per_stream and
 * max_inbound_window_update_frames_per_data_frame_sent (Envoy's formulas and defaults, GOAWAY ENHANCE_YOUR_CALM) and
 * max_outbound_frames (a peer that does not read while its PINGs keep being answered: the connection is closed,
 * http2.outbound_flood); a normal client under a tiny max_outbound_frames still downloads a large body. Upstream
 * connections have the same limits, counted under cluster.<name>.http2.*.
 */
@Timeout(30)
class Http2FloodLimitTest {
  private static final String ROUTES = """
      - name: all
        domains: ["*"]
        routes:
        - match: {prefix: "/"}
          route: {cluster: up}
      """;

  @Test
  void emptyDataFramesInARowPastTheLimitAreAFlood() throws Exception {
    try (TestUpstream up = new TestUpstream("up");
        Dataplane defaults = Bootstraps.start(Bootstraps.bootstrap(ROUTES, null,
            Bootstraps.staticCluster("up", up.port(), null), Path.of("/dev/null"), null));
        Dataplane three = Bootstraps.start(Bootstraps.bootstrap(ROUTES,
            "http2_protocol_options: {max_consecutive_inbound_frames_with_empty_payload: 3}",
            Bootstraps.staticCluster("up", up.port(), null), Path.of("/dev/null"), null))) {
      String flood = "goaway " + Http2Error.ENHANCE_YOUR_CALM.code();
      assertThat(check(RawExchange.exchange(defaults.port("ingress"), emptyDataFrames(1)), "one empty")).isEqualTo("status 200");
      assertThat(check(RawExchange.exchange(defaults.port("ingress"), emptyDataFrames(2)), "two empty")).isEqualTo(flood);
      assertThat(defaults.server().stats().snapshot().counter("http2.inbound_empty_frames_flood")).isEqualTo(1);
      assertThat(check(RawExchange.exchange(three.port("ingress"), emptyDataFrames(3)), "three empty")).isEqualTo("status 200");
      assertThat(check(RawExchange.exchange(three.port("ingress"), emptyDataFrames(4)), "four empty")).isEqualTo(flood);
    }
  }

  @Test
  void priorityFramesPastLimitTimesOpenedStreamsAreAFlood() throws Exception {
    try (TestUpstream up = new TestUpstream("up");
        Dataplane defaults = Bootstraps.start(Bootstraps.bootstrap(ROUTES, null,
            Bootstraps.staticCluster("up", up.port(), null), Path.of("/dev/null"), null));
        Dataplane five = Bootstraps.start(Bootstraps.bootstrap(ROUTES,
            "http2_protocol_options: {max_inbound_priority_frames_per_stream: 5}",
            Bootstraps.staticCluster("up", up.port(), null), Path.of("/dev/null"), null))) {
      String flood = "goaway " + Http2Error.ENHANCE_YOUR_CALM.code();
      // No response has gone out yet (no stream opened): the limit is the per-stream value times one.
      assertThat(check(RawExchange.exchange(defaults.port("ingress"), requestThen(PRIORITY, 100)), "100 PRIORITY")).isEqualTo("status 200");
      assertThat(check(RawExchange.exchange(defaults.port("ingress"), requestThen(PRIORITY, 101)), "101 PRIORITY")).isEqualTo(flood);
      assertThat(defaults.server().stats().snapshot().counter("http2.inbound_priority_frames_flood")).isEqualTo(1);
      assertThat(check(RawExchange.exchange(five.port("ingress"), requestThen(PRIORITY, 5)), "5 PRIORITY")).isEqualTo("status 200");
      assertThat(check(RawExchange.exchange(five.port("ingress"), requestThen(PRIORITY, 6)), "6 PRIORITY")).isEqualTo(flood);
      assertThat(five.server().stats().snapshot().counter("http2.inbound_priority_frames_flood")).isEqualTo(1);
    }
  }

  @Test
  void windowUpdatesBeyondWhatTheDataSentJustifiesAreAFlood() throws Exception {
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(ROUTES, "http2_protocol_options: {initial_stream_window_size: 65535}",
            Bootstraps.staticCluster("up", up.port(), null), Path.of("/dev/null"), null))) {
      String flood = "goaway " + Http2Error.ENHANCE_YOUR_CALM.code();
      // Before any stream opened or DATA frame went out: 5 + 2 * (0 + 10 * 0) = 5 allowed.
      assertThat(check(RawExchange.exchange(dp.port("ingress"), requestThen(WINDOW_UPDATE, 5)), "5 WINDOW_UPDATE")).isEqualTo("status 200");
      assertThat(check(RawExchange.exchange(dp.port("ingress"), requestThen(WINDOW_UPDATE, 6)), "6 WINDOW_UPDATE")).isEqualTo(flood);
      assertThat(dp.server().stats().snapshot().counter("http2.inbound_window_update_frames_flood")).isEqualTo(1);
      // A well-behaved client returns window as it reads a large body (small windows: many WINDOW_UPDATEs) and stays under.
      try (H2cClient client = new H2cClient(dp.port("ingress"))) {
        String body = "w".repeat(600_000);
        H2cClient.Response r = client.request("POST", "/echo", "h2.example", body).get(10, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).endsWith(body);
      }
      assertThat(dp.server().stats().snapshot().counter("http2.inbound_window_update_frames_flood")).isEqualTo(1);
    }
  }

  @Test
  void framesPilingUpForAPeerThatDoesNotReadAreAnOutboundFlood() throws Exception {
    try (TestUpstream up = new TestUpstream("up");
        // The control-frame limit (PING ACKs count there too) out of the way: one read of PINGs can pass both at once.
        Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(ROUTES,
            "http2_protocol_options: {max_outbound_frames: 100, max_outbound_control_frames: 1000000}",
            Bootstraps.staticCluster("up", up.port(), null), Path.of("/dev/null"), null))) {
      // A normal client reading a body of far more than 100 DATA frames: frames leave the queue as they are written.
      try (H2cClient client = new H2cClient(dp.port("ingress"))) {
        String body = "o".repeat(3_000_000);
        for (int i = 0; i < 2; i++) {
          H2cClient.Response r = client.request("POST", "/echo", "h2.example", body).get(10, TimeUnit.SECONDS);
          assertThat(r.status()).isEqualTo(200);
          assertThat(r.body()).endsWith(body);
        }
      }
      assertThat(dp.server().stats().snapshot().counter("http2.outbound_flood")).isZero();
      // A peer that never reads (small receive buffer) and keeps sending PINGs: their ACKs queue up until the limit.
      try (Socket s = new Socket()) {
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), dp.port("ingress")), 5000);
        OutputStream out = s.getOutputStream();
        out.write(PREFACE);
        out.write(frame(SETTINGS, 0, 0, new byte[0]));
        byte[] pings = new byte[17 * 1000];
        for (int i = 0; i < 1000; i++) {
          System.arraycopy(frame(PING, 0, 0, new byte[8]), 0, pings, 17 * i, 17);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try {
          for (int i = 0; i < 1000 && System.nanoTime() < deadline
              && dp.server().stats().snapshot().counter("http2.outbound_flood") == 0; i++) {
            out.write(pings);
          }
        } catch (IOException closed) {
          // the proxy closed the connection: what we are waiting for
        }
        // Closed outright, not with a GOAWAY queued behind the frames that were not moving (which would wait for them).
        Await.until("http2.outbound_flood counted", () -> dp.server().stats().snapshot().counter("http2.outbound_flood") == 1);
        s.setSoTimeout(5000);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try {
          for (int n; (n = s.getInputStream().read(buf)) >= 0 && received.size() < 64 << 20; ) {
            received.write(buf, 0, n);
          }
        } catch (java.net.SocketException reset) {
          // a reset (our PINGs were still unread when it closed) ends the read as well; a timeout fails the test
        }
        assertThat(check(received.toByteArray(), "after the outbound flood")).doesNotStartWith("goaway");
      }
    }
  }

  @Test
  void anUpstreamFloodingPriorityFramesIsCutOff() throws Exception {
    CompletableFuture<byte[]> goaway = new CompletableFuture<>();
    try (LoopbackAcceptor up = new LoopbackAcceptor("priority-flooder", s -> floodPriority(s, goaway));
        Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(ROUTES, null,
            Bootstraps.staticCluster("up", up.port(), "http2_protocol_options: {}"), Path.of("/dev/null"), null));
        H2cClient client = new H2cClient(dp.port("ingress"))) {
      // 250 PRIORITY frames: more than 100 * (1 + the one stream the proxy opened).
      assertThat(client.request("GET", "/", "h2.example", null).get(10, TimeUnit.SECONDS).status()).isEqualTo(503);
      assertThat(dp.server().stats().snapshot().counter("cluster.up.http2.inbound_priority_frames_flood")).isEqualTo(1);
      assertThat(check(goaway.get(10, TimeUnit.SECONDS), "proxy to upstream")).isEqualTo("goaway " + Http2Error.ENHANCE_YOUR_CALM.code());
    }
  }

  /** An HTTP/2 upstream that answers the preface with SETTINGS and 250 PRIORITY frames, then records what the proxy sends. */
  private static void floodPriority(Socket s, CompletableFuture<byte[]> received) {
    try (s) {
      s.setSoTimeout(5000);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(frame(SETTINGS, 0, 0, new byte[0]));
      for (int i = 0; i < 250; i++) {
        out.writeBytes(frame(PRIORITY, 0, 2 + 2 * i, new byte[] {0, 0, 0, 0, 15}));
      }
      s.getOutputStream().write(out.toByteArray());
      ByteArrayOutputStream in = new ByteArrayOutputStream();
      s.getInputStream().readNBytes(PREFACE.length);
      try {
        in.writeBytes(s.getInputStream().readAllBytes()); // until the proxy closes
      } catch (IOException e) {
        // reset or timeout: judge what arrived
      }
      received.complete(in.toByteArray());
    } catch (IOException e) {
      received.completeExceptionally(e);
    }
  }

  /** A GET on stream 1 (answered 200) followed, in the same write, by {@code n} frames of {@code type}. */
  private static byte[] requestThen(int type, int n) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(PREFACE);
    out.writeBytes(frame(SETTINGS, 0, 0, new byte[0]));
    out.writeBytes(frame(HEADERS, END_HEADERS | END_STREAM, 1, block(new DefaultHttp2HeadersEncoder(), request("/priority"), 1)));
    for (int i = 0; i < n; i++) {
      if (type == PRIORITY) {
        out.writeBytes(frame(PRIORITY, 0, 3 + 2 * i, new byte[] {0, 0, 0, 0, 15})); // idle streams, depending on the root
      } else {
        out.writeBytes(frame(WINDOW_UPDATE, 0, 0, new byte[] {0, 0, 0, 1})); // one more byte of connection window
      }
    }
    return out.toByteArray();
  }

  /** A POST whose body starts with {@code n} empty DATA frames without END_STREAM, then one byte that ends it. */
  private static byte[] emptyDataFrames(int n) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(PREFACE);
    out.writeBytes(frame(SETTINGS, 0, 0, new byte[0]));
    out.writeBytes(frame(HEADERS, END_HEADERS, 1, block(new DefaultHttp2HeadersEncoder(), request("/empty").method("POST"), 1)));
    for (int i = 0; i < n; i++) {
      out.writeBytes(frame(DATA, 0, 1, new byte[0]));
    }
    out.writeBytes(frame(DATA, END_STREAM, 1, new byte[] {'x'}));
    return out.toByteArray();
  }
}

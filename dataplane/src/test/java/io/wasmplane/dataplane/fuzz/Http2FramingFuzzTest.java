package io.wasmplane.dataplane.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.FuzzBudget;
import io.wasmplane.dataplane.testing.RawExchange;
import io.wasmplane.dataplane.testing.H2cClient;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded HTTP/2 (h2c prior knowledge) framing fuzz over real sockets: after the preface, mutated SETTINGS, HEADERS with
 * garbage HPACK or bad stream ids, huge header blocks over CONTINUATION, DATA/WINDOW_UPDATE/RST_STREAM/PRIORITY/PING/
 * GOAWAY/PUSH_PROMISE misuse, unknown frame types, bad lengths, rapid reset. Whatever the server sends back must be
 * well-formed frames (its HEADERS decodable, with an allowed :status), the connection must end (GOAWAY/close) rather
 * than hang, and after every batch valid h2c and HTTP/1.1 requests are served; no connection is left at the end.
 */
@Timeout(300)
class Http2FramingFuzzTest {
  static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
  static final int DATA = 0;
  static final int HEADERS = 1;
  static final int PRIORITY = 2;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int PUSH_PROMISE = 5;
  static final int PING = 6;
  static final int GOAWAY = 7;
  static final int WINDOW_UPDATE = 8;
  static final int CONTINUATION = 9;
  static final int END_STREAM = 0x1;
  static final int END_HEADERS = 0x4;
  static final Set<String> ALLOWED_STATUS = Set.of("200", "400", "404", "413", "431", "502", "503");
  static final int BATCH = 20;

  @Test
  void mutatedHttp2FramesEndInGoawayOrResponsesAndTheProcessKeepsServing() throws Exception {
    TreeMap<String, Integer> outcomes = new TreeMap<>();
    FuzzBudget budget;
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = Bootstraps.start(Bootstraps.bootstrap("""
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: "/"}
                route: {cluster: up}
            """, "stream_idle_timeout: 3s", Bootstraps.staticCluster("up", up.port(), null), Path.of("/dev/null"), null))) {
      int port = dp.port("ingress");
      budget = FuzzBudget.of(4, 300);
      while (budget.next()) {
        List<String> what = new ArrayList<>();
        byte[] bytes = mutatedConnection(budget.random, what);
        byte[] response = RawExchange.exchange(port, bytes);
        assertThat(response).as("%s: the connection neither ended nor answered after %s", budget.replay(), what).isNotNull();
        String outcome = check(response, budget.replay() + ": " + what);
        outcomes.merge(outcome, 1, Integer::sum);
        if (budget.cases() % BATCH == 0) {
          assertServes(port, budget);
        }
      }
      assertServes(port, budget);
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (dp.server().stats().snapshot().gauge("http.ingress_http.downstream_cx_active") > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(dp.server().stats().snapshot().gauge("http.ingress_http.downstream_cx_active")).as("connections left open").isZero();
    }
    System.out.println("h2 fuzz: " + budget.cases() + " cases, seed " + budget.seed + ", outcomes " + outcomes);
  }

  @Test
  void aConnectionErrorIsAnsweredWithGoawayCountedAndNotLoggedAsAWarning() throws Exception {
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    root.addAppender(logged);
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = Bootstraps.start(Bootstraps.bootstrap("""
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: "/"}
                route: {cluster: up}
            """, null, Bootstraps.staticCluster("up", up.port(), null), Path.of("/dev/null"), null))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(PREFACE);
      out.writeBytes(frame(SETTINGS, 0, 0, new byte[0]));
      out.writeBytes(frame(PING, 0, 0, new byte[7])); // FRAME_SIZE_ERROR (6), a connection error
      byte[] response = RawExchange.exchange(dp.port("ingress"), out.toByteArray());
      assertThat(check(response, "bad ping")).isEqualTo("goaway 6");
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (dp.server().stats().snapshot().counter("http.ingress_http.downstream_cx_protocol_error") == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(dp.server().stats().snapshot().counter("http.ingress_http.downstream_cx_protocol_error")).isEqualTo(1);
    } finally {
      root.detachAppender(logged);
    }
    assertThat(logged.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
        .extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
        .noneMatch(m -> m.contains("exceptionCaught") || m.contains("incorrect size for ping"));
  }

  private static void assertServes(int port, FuzzBudget budget) throws Exception {
    try (H2cClient c = new H2cClient(port)) {
      H2cClient.Response r = c.request("GET", "/h2-still-serving", "fuzz.local", null).get(10, TimeUnit.SECONDS);
      assertThat(r.status()).as("h2c request after " + budget.replay()).isEqualTo(200);
      assertThat(r.body()).startsWith("GET /h2-still-serving\n");
    }
    String h1 = Http1FramingFuzzTest.exchange(port, "GET /h1-still-serving HTTP/1.1\r\nHost: ok\r\nConnection: close\r\n\r\n"
        .getBytes(StandardCharsets.ISO_8859_1));
    assertThat(h1).as("HTTP/1.1 request after " + budget.replay()).startsWith("HTTP/1.1 200 ");
  }

  /**
   * Parses what the server sent: frames with sane lengths, the first one SETTINGS, HEADERS decodable with an allowed
   * :status. Returns a summary like "goaway 1" / "responses" / "closed".
   */
  static String check(byte[] response, String label) throws Http2Exception {
    if (response.length == 0) {
      return "closed";
    }
    ByteBuffer in = ByteBuffer.wrap(response);
    DefaultHttp2HeadersDecoder hpack = new DefaultHttp2HeadersDecoder(false);
    String summary = "open";
    boolean first = true;
    ByteArrayOutputStream block = null;
    int blockStream = 0;
    while (in.remaining() >= 9) {
      int length = ((in.get() & 0xff) << 16) | ((in.get() & 0xff) << 8) | (in.get() & 0xff);
      int type = in.get() & 0xff;
      int flags = in.get() & 0xff;
      int stream = in.getInt() & 0x7fffffff;
      assertThat(length).as(label + ": server frame length").isLessThanOrEqualTo(16384);
      if (in.remaining() < length) {
        break; // the read ended mid-frame (closed after a partial write): nothing more to judge
      }
      byte[] payload = new byte[length];
      in.get(payload);
      if (first) {
        assertThat(type).as(label + ": the server's first frame is its SETTINGS").isEqualTo(SETTINGS);
        first = false;
      }
      if (type == HEADERS || type == CONTINUATION) {
        if (type == HEADERS) {
          block = new ByteArrayOutputStream();
          blockStream = stream;
          int offset = (flags & 0x8) != 0 ? 1 : 0; // PADDED
          offset += (flags & 0x20) != 0 ? 5 : 0; // PRIORITY
          int pad = (flags & 0x8) != 0 ? payload[0] & 0xff : 0;
          block.write(payload, offset, payload.length - offset - pad);
        } else if (block != null) {
          block.write(payload, 0, payload.length);
        }
        if ((flags & END_HEADERS) != 0 && block != null) {
          Http2Headers h = hpack.decodeHeaders(blockStream, Unpooled.wrappedBuffer(block.toByteArray()));
          if (h.status() != null) {
            assertThat(ALLOWED_STATUS).as(label + ": :status").contains(h.status().toString());
            summary = "status " + h.status();
          }
          block = null;
        }
      } else if (type == GOAWAY && payload.length >= 8) {
        return "goaway " + ByteBuffer.wrap(payload, 4, 4).getInt() + (summary.startsWith("status") ? " after " + summary : "");
      }
    }
    return summary;
  }

  // ---- the generator ----

  static byte[] mutatedConnection(Random r, List<String> what) throws Http2Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(PREFACE);
    out.writeBytes(frame(SETTINGS, 0, 0, new byte[0]));
    DefaultHttp2HeadersEncoder hpack = new DefaultHttp2HeadersEncoder();
    int mutations = 1 + r.nextInt(3);
    for (int i = 0; i < mutations; i++) {
      int kind = r.nextInt(16);
      what.add(switch (kind) {
        case 0 -> {
          ByteBuffer p = ByteBuffer.allocate(6 * (1 + r.nextInt(4)));
          while (p.hasRemaining()) {
            p.putShort((short) (1 + r.nextInt(10)));
            p.putInt(new int[] {0, 1, -1, 0x7fffffff, 0x80000000, 16383, 16777216, r.nextInt()}[r.nextInt(8)]);
          }
          out.writeBytes(frame(SETTINGS, r.nextInt(10) == 0 ? 1 : 0, r.nextInt(10) == 0 ? 1 : 0, p.array()));
          yield "settings";
        }
        case 1 -> {
          byte[] garbage = new byte[1 + r.nextInt(200)];
          r.nextBytes(garbage);
          out.writeBytes(frame(HEADERS, END_HEADERS | END_STREAM, 1 + 2 * r.nextInt(5), garbage));
          yield "headers with garbage hpack";
        }
        case 2 -> {
          int id = new int[] {0, 2, 0x7fffffff, 1, 1}[r.nextInt(5)];
          out.writeBytes(frame(HEADERS, END_HEADERS | END_STREAM, id, block(hpack, request("/bad-id"), 1)));
          yield "headers on stream " + id;
        }
        case 3 -> {
          Http2Headers big = request("/big");
          int n = r.nextBoolean() ? 1 : 1 + r.nextInt(2000);
          for (int k = 0; k < n; k++) {
            big.add("x-big-" + k, "v".repeat(n == 1 ? 200_000 : 1 + r.nextInt(100)));
          }
          byte[] b = block(hpack, big, 3);
          writeSplit(out, 3, b, r.nextInt(4) != 0);
          yield "huge header block " + b.length + " bytes";
        }
        case 4 -> {
          out.writeBytes(r.nextBoolean() ? frame(CONTINUATION, END_HEADERS, 5, new byte[] {(byte) 0x82})
              : concat(frame(HEADERS, 0, 5, block(hpack, request("/cont"), 5)), frame(DATA, 0, 5, new byte[3])));
          yield "continuation misuse";
        }
        case 5 -> {
          int id = new int[] {0, 7, 1}[r.nextInt(3)];
          out.writeBytes(frame(DATA, r.nextBoolean() ? END_STREAM : 0, id, new byte[r.nextInt(16385)]));
          yield "data on stream " + id;
        }
        case 6 -> {
          int inc = new int[] {0, 0x7fffffff, 1}[r.nextInt(3)];
          int id = r.nextInt(3);
          out.writeBytes(frame(WINDOW_UPDATE, 0, id, ByteBuffer.allocate(4).putInt(inc).array()));
          out.writeBytes(frame(WINDOW_UPDATE, 0, id, ByteBuffer.allocate(4).putInt(inc).array()));
          yield "window_update " + inc + " on " + id;
        }
        case 7 -> {
          out.writeBytes(frame(RST_STREAM, 0, r.nextInt(3), new byte[r.nextBoolean() ? 4 : 3]));
          yield "rst_stream";
        }
        case 8 -> {
          out.writeBytes(frame(PRIORITY, 0, 9, r.nextBoolean() ? new byte[] {0, 0, 0, 9, 16} : new byte[4]));
          yield "priority";
        }
        case 9 -> {
          out.writeBytes(frame(PING, r.nextInt(2), r.nextInt(2), new byte[r.nextBoolean() ? 8 : 7]));
          yield "ping";
        }
        case 10 -> {
          byte[] p = new byte[8 + r.nextInt(20)];
          r.nextBytes(p);
          out.writeBytes(frame(GOAWAY, 0, r.nextInt(2), p));
          yield "goaway";
        }
        case 11 -> {
          byte[] p = new byte[r.nextInt(100)];
          r.nextBytes(p);
          out.writeBytes(frame(10 + r.nextInt(240), r.nextInt(256), r.nextInt(20), p));
          yield "unknown frame type";
        }
        case 12 -> {
          byte[] f = frame(HEADERS, END_HEADERS | END_STREAM, 11, block(hpack, request("/len"), 11));
          int claimed = r.nextBoolean() ? 20_000 : f.length - 9 + 50;
          f[0] = (byte) (claimed >> 16);
          f[1] = (byte) (claimed >> 8);
          f[2] = (byte) claimed;
          out.writeBytes(f);
          yield "bad frame length " + claimed;
        }
        case 13 -> {
          byte[] g = new byte[1 + r.nextInt(512)];
          r.nextBytes(g);
          out.writeBytes(g);
          yield "garbage bytes";
        }
        case 14 -> {
          out.writeBytes(frame(PUSH_PROMISE, END_HEADERS, 1, concat(new byte[] {0, 0, 0, 2}, block(hpack, request("/push"), 2))));
          yield "push_promise from a client";
        }
        default -> {
          int n = 50 + r.nextInt(200);
          for (int k = 0; k < n; k++) {
            int id = 101 + 2 * k;
            out.writeBytes(frame(HEADERS, END_HEADERS, id, block(hpack, request("/rapid"), id)));
            out.writeBytes(frame(RST_STREAM, 0, id, new byte[] {0, 0, 0, 8}));
          }
          yield "rapid reset x" + n;
        }
      });
    }
    // A valid request last: served when the mutations left the connection usable.
    out.writeBytes(frame(HEADERS, END_HEADERS | END_STREAM, 1001, block(hpack, request("/h2fuzz"), 1001)));
    return out.toByteArray();
  }

  static Http2Headers request(String path) {
    return new DefaultHttp2Headers().method("GET").path(path).scheme("http").authority("fuzz.local");
  }

  static byte[] block(DefaultHttp2HeadersEncoder hpack, Http2Headers headers, int stream) throws Http2Exception {
    ByteBuf b = Unpooled.buffer();
    hpack.encodeHeaders(stream, headers, b);
    return ByteBufUtil.getBytes(b);
  }

  /** A header block split in 16 KiB HEADERS + CONTINUATION frames; {@code finish} = END_HEADERS on the last. */
  static void writeSplit(ByteArrayOutputStream out, int stream, byte[] block, boolean finish) {
    int at = 0;
    boolean firstFrame = true;
    do {
      int n = Math.min(16384, block.length - at);
      boolean last = at + n >= block.length;
      int flags = (last && finish ? END_HEADERS : 0) | (firstFrame ? END_STREAM : 0);
      out.writeBytes(frame(firstFrame ? HEADERS : CONTINUATION, flags, stream, java.util.Arrays.copyOfRange(block, at, at + n)));
      at += n;
      firstFrame = false;
    } while (at < block.length);
  }

  static byte[] frame(int type, int flags, int stream, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
    b.put((byte) (payload.length >> 16)).put((byte) (payload.length >> 8)).put((byte) payload.length);
    b.put((byte) type).put((byte) flags).putInt(stream).put(payload);
    return b.array();
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}

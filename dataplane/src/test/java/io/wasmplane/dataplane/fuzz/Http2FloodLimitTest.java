package io.wasmplane.dataplane.fuzz;

import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.DATA;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.END_HEADERS;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.END_STREAM;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.HEADERS;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.PREFACE;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.SETTINGS;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.block;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.check;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.frame;
import static io.wasmplane.dataplane.fuzz.Http2FramingFuzzTest.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawExchange;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * http2_protocol_options.max_consecutive_inbound_frames_with_empty_payload with raw frames (Netty's client never sends
 * an empty DATA frame without END_STREAM): Envoy's default 1 lets one through and answers the second in a row with
 * GOAWAY ENHANCE_YOUR_CALM (counted as http2.inbound_empty_frames_flood); a configured 3 lets three through.
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

package io.wasmplane.dataplane.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.wasmplane.dataplane.http.ArrayHttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hop-by-hop stripping on both header map kinds the proxy hands it: the same result from each. */
class HopByHopTest {
  private static HttpHeaders fill(HttpHeaders h) {
    return h.add("Host", "a").add("Connection", "keep-alive, X-Private ,upgrade").add("X-Private", "1").add("Keep-Alive", "5")
        .add("Upgrade", "h2c").add("Proxy-Connection", "x").add("Transfer-Encoding", "chunked").add("x-http2-stream-id", "3")
        .add("TE", "trailers").add("x-kept", "yes");
  }

  @Test
  void dropsTheConnectionHeaderWhatItNamesAndEveryHopByHopHeader() {
    for (HttpHeaders h : List.of(fill(new ArrayHttpHeaders()), fill(new DefaultHttpHeaders()))) {
      HopByHop.strip(h);
      assertThat(h.names().stream().map(n -> n.toLowerCase(java.util.Locale.ROOT))).as(h.getClass().getSimpleName())
          .containsExactlyInAnyOrder("host", "te", "x-kept");
    }
  }

  @Test
  void teOtherThanTrailersIsDroppedAndACleanMapIsUntouched() {
    for (HttpHeaders h : List.of(new ArrayHttpHeaders(), new DefaultHttpHeaders())) {
      h.add("te", "gzip").add("x-a", "1");
      HopByHop.strip(h);
      assertThat(h.names()).containsExactly("x-a");
      HopByHop.strip(h);
      assertThat(h.get("x-a")).isEqualTo("1");
    }
  }
}

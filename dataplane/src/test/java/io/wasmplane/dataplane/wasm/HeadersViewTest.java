package io.wasmplane.dataplane.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.wasmplane.dataplane.http.ArrayHttpHeaders;
import org.junit.jupiter.api.Test;

/** The header view as plugins use it, over the proxy's own header map: names are case-insensitive as in Envoy. */
class HeadersViewTest {
  private final HeaderNames names = new HeaderNames();

  private static HttpRequest request() {
    HttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/a?b=1", Unpooled.EMPTY_BUFFER,
        ArrayHttpHeaders.FACTORY.newHeaders(), EmptyHttpHeaders.INSTANCE);
    r.headers().add("Host", "example.com").add("X-Tag", "one").add("x-tag", "two").add("Accept", "*/*");
    return r;
  }

  @Test
  void namesInAnyCaseFindTheSameHeaderEveryTime() {
    HeadersView view = HeadersView.request(request(), false, true, names);
    for (int round = 0; round < 2; round++) { // the second round is served from the name table
      assertThat(view.get("x-tag")).isEqualTo("one,two");
      assertThat(view.get("X-TAG")).isEqualTo("one,two");
      assertThat(view.get(new String("x-Tag"))).isEqualTo("one,two"); // an equal name, another instance
      assertThat(view.get("accept")).isEqualTo("*/*");
      assertThat(view.get("missing")).isNull();
      assertThat(view.get("ünïcode")).isNull();
    }
  }

  @Test
  void aPluginPassingEverNewNamesStillGetsTheRightHeaders() {
    HeadersView view = HeadersView.request(request(), false, true, names);
    for (int i = 0; i < 300; i++) { // more names than the table holds: it empties itself and goes on
      assertThat(view.get("x-unknown-" + i)).isNull();
      assertThat(view.get("X-Tag")).isEqualTo("one,two");
    }
  }

  @Test
  void pseudoHeadersReadAndWriteTheRequestLine() {
    HttpRequest r = request();
    HeadersView view = HeadersView.request(r, true, true, names);
    assertThat(view.get(":path")).isEqualTo("/a?b=1");
    assertThat(view.get(":METHOD")).isEqualTo("GET");
    assertThat(view.get(":authority")).isEqualTo("example.com");
    assertThat(view.get(":scheme")).isEqualTo("https");
    view.replace(":path", "/z");
    view.add(":Authority", "other.example");
    view.remove(":method"); // pseudo-headers cannot be removed
    assertThat(r.uri()).isEqualTo("/z");
    assertThat(r.headers().get("host")).isEqualTo("other.example");
    assertThat(view.get(":method")).isEqualTo("GET");
  }

  @Test
  void writesUseLowerCaseNames() {
    HttpRequest r = request();
    HeadersView view = HeadersView.request(r, false, true, names);
    view.add("X-New", "1");
    view.replace("X-TAG", "only");
    view.remove("ACCEPT");
    assertThat(r.headers().getAll("x-tag")).containsExactly("only");
    assertThat(r.headers().contains("accept")).isFalse();
    assertThat(view.entries()).extracting(e -> e.getKey() + "=" + e.getValue())
        .contains("x-new=1", "x-tag=only").doesNotContain("accept=*/*");
  }

  @Test
  void responseStatusAndTrailersOverNettyHeaders() {
    io.netty.handler.codec.http.HttpResponse resp = new io.netty.handler.codec.http.DefaultHttpResponse(
        HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpResponseStatus.NOT_FOUND);
    resp.headers().add("Content-Type", "text/plain");
    HeadersView view = HeadersView.response(resp, true, names);
    assertThat(view.get(":status")).isEqualTo("404");
    assertThat(view.get("content-TYPE")).isEqualTo("text/plain");
    view.replace(":status", "503");
    assertThat(resp.status().code()).isEqualTo(503);

    DefaultHttpHeaders trailers = new DefaultHttpHeaders();
    trailers.add("Grpc-Status", "0");
    HeadersView t = HeadersView.trailers(trailers, true, names);
    assertThat(t.get("grpc-status")).isEqualTo("0");
    t.add("X-Trailer", "t");
    t.add(":ignored", "x"); // a pseudo-header in trailers is dropped
    assertThat(trailers.get("x-trailer")).isEqualTo("t");
    assertThat(trailers.names()).containsExactlyInAnyOrder("Grpc-Status", "x-trailer");
  }
}

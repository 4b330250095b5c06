package io.wasmplane.wasm.bench;

import io.wasmplane.wasm.host.HeaderMap;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The request and response every benchmark round works on, and the header work c_bench does (plugins/c/c_bench.c),
 * written once in Java so the baseline and the checks agree with the plugin.
 */
final class BenchHeaders {
  private BenchHeaders() {}

  /** The 10 request headers c_bench reads, in its order. */
  static final List<String> READ_KEYS = List.of(
      ":method", ":path", ":authority", "user-agent", "accept",
      "accept-encoding", "x-request-id", "x-forwarded-for", "content-type", "cookie");

  /** A typical browser-ish request: 12 headers, 10 of them read by the plugin. */
  static final List<Map.Entry<String, String>> REQUEST = List.of(
      Map.entry(":method", "GET"),
      Map.entry(":scheme", "http"),
      Map.entry(":path", "/api/v1/orders/12345?expand=items"),
      Map.entry(":authority", "shop.example.com"),
      Map.entry("user-agent", "Mozilla/5.0 (X11; Linux x86_64) bench/1.0"),
      Map.entry("accept", "application/json"),
      Map.entry("accept-encoding", "gzip, deflate, br"),
      Map.entry("x-request-id", "5f0c6a2e-8f0b-4a53-9f43-7b0e2d1c9a11"),
      Map.entry("x-forwarded-for", "10.1.2.3"),
      Map.entry("content-type", "application/json"),
      Map.entry("cookie", "session=4b1d2f; theme=dark"),
      Map.entry("x-extra", "not read"));

  static final List<Map.Entry<String, String>> RESPONSE = List.of(
      Map.entry(":status", "200"),
      Map.entry("content-type", "application/json"),
      Map.entry("content-length", "512"),
      Map.entry("date", "Wed, 25 Nov 2026 12:00:00 GMT"),
      Map.entry("server", "upstream"));

  /** What c_bench adds as x-bench-sum: the total UTF-8 size of the 10 values it reads. */
  static int expectedSum(HeaderMap request) {
    int sum = 0;
    for (String key : READ_KEYS) {
      String value = request.get(key);
      if (value != null) {
        sum += value.getBytes(StandardCharsets.UTF_8).length;
      }
    }
    return sum;
  }

  /** Throws unless the round left the maps as c_bench leaves them. */
  static void verify(String who, HeaderMap request, HeaderMap response) {
    String expected = Integer.toString(expectedSum(new ArrayHeaders(REQUEST)));
    if (!expected.equals(request.get("x-bench-sum")) || !"c_bench".equals(response.get("x-bench-served"))) {
      throw new IllegalStateException(who + " did not do the c_bench header work: request " + request
          + ", response " + response);
    }
  }
}

package io.wasmplane.dataplane.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.H2cClient;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HCM's normalize_path, merge_slashes and path_with_escaped_slashes_action on requests sent raw (so the path
 * reaches the proxy as written): routing and the upstream see the normalized path; refusals are 400, redirects 307.
 */
@Timeout(60)
class PathNormalizationTest {
  /** Only the exact path /a/c and the prefix /keep/ reach the upstream; anything else is a 418 from the proxy. */
  private static final String ROUTES = """
      - name: all
        domains: ["*"]
        routes:
        - match: {path: "/a/c"}
          route: {cluster: up}
        - match: {prefix: "/keep/"}
          route: {cluster: up}
        - match: {prefix: "/"}
          direct_response: {status: 418}
      """;

  private static Dataplane start(TestUpstream up, String hcmExtra) {
    return Bootstraps.start(Bootstraps.bootstrap(ROUTES, hcmExtra, Bootstraps.staticCluster("up", up.port(), null), Path.of("/dev/null"), null));
  }

  private static long counter(Dataplane dp, String name) {
    return dp.server().stats().snapshot().counter("http.ingress_http." + name);
  }

  @Test
  void normalizedAndMergedPathIsWhatRoutesAndTheUpstreamSee() throws Exception {
    try (TestUpstream up = new TestUpstream("up");
         Dataplane dp = start(up, "normalize_path: true\nmerge_slashes: true\npath_with_escaped_slashes_action: KEEP_UNCHANGED")) {
      int port = dp.port("ingress");
      RawResponse dots = RawResponse.get(port, "h", "/a/./b/../c?x=/../y");
      assertThat(dots.status()).isEqualTo(200);
      assertThat(dots.upstreamRequestLine()).isEqualTo("GET /a/c?x=/../y");
      assertThat(RawResponse.get(port, "h", "//a//c").upstreamRequestLine()).isEqualTo("GET /a/c");
      assertThat(RawResponse.get(port, "h", "/%61/%2e%2E/a/%63").upstreamRequestLine()).isEqualTo("GET /a/c");
      assertThat(RawResponse.get(port, "h", "/x/..\\a\\c").upstreamRequestLine()).isEqualTo("GET /a/c");
      // KEEP_UNCHANGED: an escaped slash is neither decoded nor refused.
      assertThat(RawResponse.get(port, "h", "/keep/x%2Fy%3a").upstreamRequestLine()).isEqualTo("GET /keep/x%2Fy%3a");

      RawResponse bad = RawResponse.get(port, "h", "/a/%00/c");
      assertThat(bad.status()).isEqualTo(400);
      // A fragment has no place in a request target: Envoy refuses it.
      assertThat(RawResponse.get(port, "h", "/a/c#top").status()).isEqualTo(400);
      assertThat(counter(dp, "downstream_rq_failed_path_normalization")).isEqualTo(2);
      assertThat(up.received).noneMatch(r -> r.contains("%00") || r.contains("#"));

      // HTTP/2: the :path is normalized the same way.
      try (H2cClient h2 = new H2cClient(port)) {
        H2cClient.Response r = h2.request("GET", "/keep/../a//b/./../c", "h", null).get(10, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).startsWith("GET /a/c\n");
      }
    }
  }

  @Test
  void withoutNormalizationThePathIsForwardedAsSent() throws Exception {
    try (TestUpstream up = new TestUpstream("up"); Dataplane dp = start(up, null)) {
      int port = dp.port("ingress");
      assertThat(RawResponse.get(port, "h", "/a/./b/../c").status()).isEqualTo(418);
      assertThat(RawResponse.get(port, "h", "/keep//x/../%2F").upstreamRequestLine()).isEqualTo("GET /keep//x/../%2F");
      // A fragment is refused even with every normalization option off (Envoy's http_reject_path_with_fragment).
      assertThat(RawResponse.get(port, "h", "/a#frag").status()).isEqualTo(400);
      assertThat(up.received).noneMatch(r -> r.contains("#"));
    }
  }

  @Test
  void mergeSlashesAloneLeavesDotsAlone() throws Exception {
    try (TestUpstream up = new TestUpstream("up"); Dataplane dp = start(up, "merge_slashes: true")) {
      assertThat(RawResponse.get(dp.port("ingress"), "h", "/keep//x///./y?q=//").upstreamRequestLine())
          .isEqualTo("GET /keep/x/./y?q=//");
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"REJECT_REQUEST", "UNESCAPE_AND_REDIRECT", "UNESCAPE_AND_FORWARD"})
  void escapedSlashActions(String action) throws Exception {
    try (TestUpstream up = new TestUpstream("up");
         Dataplane dp = start(up, "normalize_path: true\npath_with_escaped_slashes_action: " + action)) {
      int port = dp.port("ingress");
      RawResponse r = RawResponse.get(port, "h", "/a%2Fb/..%2fc?q=%2F");
      switch (action) {
        case "REJECT_REQUEST" -> {
          assertThat(r.status()).isEqualTo(400);
          assertThat(counter(dp, "downstream_rq_failed_path_normalization")).isEqualTo(1);
        }
        case "UNESCAPE_AND_REDIRECT" -> {
          assertThat(r.status()).isEqualTo(307);
          assertThat(r.header("location")).containsExactly("/a/c?q=%2F");
          assertThat(counter(dp, "downstream_rq_redirected_with_normalized_path")).isEqualTo(1);
          // A gRPC client cannot follow a redirect: Envoy refuses instead.
          // (the 400 as Envoy's gRPC local reply: HTTP 200, grpc-status INTERNAL)
          assertThat(RawResponse.send(port, "POST", "h", "/a%2Fc", "content-type: application/grpc").header("grpc-status"))
              .containsExactly("13");
          assertThat(counter(dp, "downstream_rq_failed_path_normalization")).isEqualTo(1);
          // Without an escaped slash there is nothing to redirect.
          assertThat(RawResponse.get(port, "h", "/a/b/../c").upstreamRequestLine()).isEqualTo("GET /a/c");
        }
        default -> {
          assertThat(r.status()).isEqualTo(200);
          assertThat(r.upstreamRequestLine()).isEqualTo("GET /a/c?q=%2F");
        }
      }
      assertThat(up.received).hasSize(action.equals("REJECT_REQUEST") ? 0 : 1);
    }
  }

  @Test
  void theRefusalIsLoggedWithItsDetails() throws Exception {
    Path log = java.nio.file.Files.createTempFile("paths", ".log");
    String yaml = Bootstraps.bootstrap(ROUTES, "normalize_path: true", Bootstraps.staticCluster("up", 1, null), log, null)
        .replace("path: " + log, "path: " + log + "\n" + " ".repeat(14)
            + "log_format: {text_format: \"%RESPONSE_CODE% %RESPONSE_CODE_DETAILS% %REQ(:PATH)%\\n\"}");
    try (Dataplane dp = Bootstraps.start(yaml)) {
      assertThat(RawResponse.get(dp.port("ingress"), "h", "/x/%00").status()).isEqualTo(400);
      for (int i = 0; i < 50 && java.nio.file.Files.readString(log).isEmpty(); i++) {
        Thread.sleep(50);
        dp.server().flushAccessLogs();
      }
      assertThat(java.nio.file.Files.readString(log)).contains("400 path_normalization_failed /x/%00");
    } finally {
      java.nio.file.Files.deleteIfExists(log);
    }
  }
}

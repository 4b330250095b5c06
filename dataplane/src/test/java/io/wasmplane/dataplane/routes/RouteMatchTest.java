package io.wasmplane.dataplane.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Route matching beyond the path: query_parameters (string and present), grpc, runtime_fraction, and every
 * HeaderMatcher form (range, ignore_case, invert, treat_missing_header_as_empty, pseudo-headers).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class RouteMatchTest {
  private Path log;
  private Dataplane dp;

  @BeforeAll
  void start() throws Exception {
    log = Files.createTempFile("routes", ".log");
    String routes = """
        - name: match
          domains: ["*"]
          routes:
          - match: {prefix: "/q", query_parameters: [{name: debug, string_match: {exact: "on", ignore_case: true}}, {name: user, present_match: true}]}
            direct_response: {status: 200, body: {inline_string: "query"}}
          - match: {prefix: "/g", grpc: {}}
            direct_response: {status: 200, body: {inline_string: "grpc"}}
          - match: {prefix: "/never", runtime_fraction: {default_value: {numerator: 0}, runtime_key: routes.never}}
            direct_response: {status: 200, body: {inline_string: "never"}}
          - match: {prefix: "/always", runtime_fraction: {default_value: {numerator: 100}}}
            direct_response: {status: 200, body: {inline_string: "always"}}
          - match: {prefix: "/half", runtime_fraction: {default_value: {numerator: 5000, denominator: TEN_THOUSAND}}}
            direct_response: {status: 200, body: {inline_string: "half"}}
          - match: {prefix: "/range", headers: [{name: x-n, range_match: {start: 10, end: 20}}]}
            direct_response: {status: 200, body: {inline_string: "range"}}
          - match: {prefix: "/ci", headers: [{name: x-env, string_match: {prefix: "PROD", ignore_case: true}}]}
            direct_response: {status: 200, body: {inline_string: "ci"}}
          - match: {prefix: "/not", headers: [{name: x-env, string_match: {exact: "dev"}, invert_match: true}]}
            direct_response: {status: 200, body: {inline_string: "not"}}
          - match: {prefix: "/absent", headers: [{name: x-env, present_match: true, invert_match: true}]}
            direct_response: {status: 200, body: {inline_string: "absent"}}
          - match: {prefix: "/empty", headers: [{name: x-opt, string_match: {exact: ""}, treat_missing_header_as_empty: true}]}
            direct_response: {status: 200, body: {inline_string: "empty"}}
          - match: {prefix: "/method", headers: [{name: ":method", string_match: {exact: "POST"}}]}
            direct_response: {status: 200, body: {inline_string: "method"}}
          - match: {prefix: "/"}
            direct_response: {status: 200, body: {inline_string: "fallback"}}
        """;
    dp = Bootstraps.start(Bootstraps.bootstrap(routes, null, "", log, null).replace("  clusters:\n", "  clusters: []\n"));
  }

  @AfterAll
  void stop() throws Exception {
    dp.close();
    Files.deleteIfExists(log);
  }

  private String body(String path, String... headers) throws Exception {
    return RawResponse.get(dp.port("ingress"), "m.example", path, headers).body();
  }

  private String grpcMessage(String path, String... headers) throws Exception {
    RawResponse r = RawResponse.get(dp.port("ingress"), "m.example", path, headers);
    assertThat(r.header("grpc-status")).containsExactly("2"); // HTTP 200 mapped: UNKNOWN, as Envoy maps it
    return r.header("grpc-message").get(0);
  }

  @Test
  void queryParameters() throws Exception {
    assertThat(body("/q?debug=ON&user=")).isEqualTo("query");
    assertThat(body("/q?user=x&debug=%6Fn")).as("values are URL-decoded").isEqualTo("query");
    assertThat(body("/q?debug=on")).as("user must be present").isEqualTo("fallback");
    assertThat(body("/q?debug=off&user=x")).isEqualTo("fallback");
    assertThat(body("/q?debug=on&debug=off&user=1")).as("the first value counts").isEqualTo("query");
    assertThat(body("/q")).isEqualTo("fallback");
  }

  @Test
  void grpcMatchesTheContentType() throws Exception {
    // A gRPC request gets the direct response as Envoy's gRPC local reply: its body is the grpc-message.
    assertThat(grpcMessage("/g", "content-type: application/grpc")).isEqualTo("grpc");
    assertThat(grpcMessage("/g", "content-type: application/grpc+proto")).isEqualTo("grpc");
    assertThat(body("/g", "content-type: application/grpcx")).isEqualTo("fallback");
    assertThat(body("/g", "content-type: application/json")).isEqualTo("fallback");
    assertThat(body("/g")).isEqualTo("fallback");
  }

  @Test
  void runtimeFractionUsesTheDefaultValue() throws Exception {
    int half = 0;
    for (int i = 0; i < 200; i++) {
      assertThat(body("/never")).isEqualTo("fallback");
      assertThat(body("/always")).isEqualTo("always");
      if (body("/half").equals("half")) {
        half++;
      }
    }
    // 50%: 200 draws land far inside these bounds (outside them has a probability below 1e-15).
    assertThat(half).isBetween(40, 160);
  }

  @Test
  void headerMatcherForms() throws Exception {
    assertThat(body("/range", "x-n: 10")).isEqualTo("range");
    assertThat(body("/range", "x-n: 19")).isEqualTo("range");
    assertThat(body("/range", "x-n: 20")).as("the end is exclusive").isEqualTo("fallback");
    assertThat(body("/range", "x-n: ten")).isEqualTo("fallback");
    assertThat(body("/ci", "x-env: production")).isEqualTo("ci");
    assertThat(body("/ci", "x-env: staging")).isEqualTo("fallback");
    assertThat(body("/not", "x-env: prod")).isEqualTo("not");
    assertThat(body("/not", "x-env: dev")).isEqualTo("fallback");
    assertThat(body("/not")).as("a missing header never matches a value matcher, inverted or not").isEqualTo("fallback");
    assertThat(body("/absent")).as("present_match inverted matches a missing header").isEqualTo("absent");
    assertThat(body("/absent", "x-env: x")).isEqualTo("fallback");
    assertThat(body("/empty")).as("treat_missing_header_as_empty").isEqualTo("empty");
    assertThat(body("/empty", "x-opt: v")).isEqualTo("fallback");
    assertThat(RawResponse.send(dp.port("ingress"), "POST", "m.example", "/method", "content-length: 0").body()).isEqualTo("method");
    assertThat(body("/method")).isEqualTo("fallback");
  }
}

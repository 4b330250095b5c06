package io.wasmplane.dataplane.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Route actions through real sockets: redirects (Location and status as Envoy builds them), regex_rewrite,
 * path_separated_prefix, host_rewrite_header / host_rewrite_path_regex / auto_host_rewrite, cluster_header with
 * cluster_not_found_response_code, max_stream_duration and grpc-timeout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class RouteActionsTest {
  private TestUpstream a;
  private TestUpstream b;
  private Path log;
  private Dataplane dp;

  @BeforeAll
  void start() throws Exception {
    a = new TestUpstream("a");
    b = new TestUpstream("b");
    log = Files.createTempFile("routes", ".log");
    String routes = """
        - name: redirects
          domains: ["redirect.example"]
          routes:
          - match: {prefix: "/https"}
            redirect: {https_redirect: true}
          - match: {prefix: "/moved/"}
            redirect: {prefix_rewrite: "/new/", response_code: PERMANENT_REDIRECT}
          - match: {path: "/page"}
            redirect: {host_redirect: "other.example", port_redirect: 8443, path_redirect: "/landing", strip_query: true, response_code: FOUND}
            response_headers_to_add: [{header: {key: x-redirected, value: "yes"}}]
          - match: {path: "/keepquery"}
            redirect: {path_redirect: "/landing"}
          - match: {safe_regex: {regex: "/re/[0-9]+/x"}}
            redirect: {regex_rewrite: {pattern: {regex: "^/re/([0-9]+)/x$"}, substitution: "/items/\\\\1"}, response_code: SEE_OTHER}
          - match: {prefix: "/scheme"}
            redirect: {scheme_redirect: "https", response_code: TEMPORARY_REDIRECT, strip_query: true}
        - name: rewrites
          domains: ["rewrite.example"]
          routes:
          - match: {prefix: "/regex/"}
            route: {cluster: a, regex_rewrite: {pattern: {regex: "^/regex/([a-z]+)/([0-9]+)"}, substitution: "/v\\\\2/\\\\1"}}
          - match: {path_separated_prefix: "/sep"}
            route: {cluster: a, prefix_rewrite: "/separated"}
          - match: {prefix: "/hosthdr"}
            route: {cluster: a, host_rewrite_header: x-target-host}
          - match: {prefix: "/hostpath/"}
            route: {cluster: a, host_rewrite_path_regex: {pattern: {regex: "^/hostpath/([^/]+)/.*$"}, substitution: "\\\\1.svc"}}
          - match: {prefix: "/autostatic"}
            route: {cluster: a, auto_host_rewrite: true}
          - match: {prefix: "/auto"}
            route: {cluster: dns, auto_host_rewrite: true}
          - match: {prefix: "/mirror"}
            route: {cluster: a, request_mirror_policies: [{cluster: b}, {cluster: b, runtime_fraction: {default_value: {numerator: 0}}}]}
          - match: {prefix: "/byheader"}
            route: {cluster_header: x-cluster, cluster_not_found_response_code: NOT_FOUND}
          - match: {prefix: "/grpc-deadline/"}
            route: {cluster: a, timeout: 0s, regex_rewrite: {pattern: {regex: "^/grpc-deadline/"}, substitution: "/slow/"},
                    max_stream_duration: {grpc_timeout_header_max: 0s}}
          - match: {prefix: "/capped/"}
            route: {cluster: a, timeout: 0s, regex_rewrite: {pattern: {regex: "^/capped/"}, substitution: "/slow/"},
                    max_stream_duration: {grpc_timeout_header_max: 0.2s, grpc_timeout_header_offset: 0.05s}}
          - match: {prefix: "/deadline/"}
            route: {cluster: a, timeout: 0s, regex_rewrite: {pattern: {regex: "^/deadline/"}, substitution: "/slow/"},
                    max_stream_duration: {max_stream_duration: 0.3s}}
        """;
    String clusters = Bootstraps.staticCluster("a", a.port(), null) + Bootstraps.staticCluster("b", b.port(), null)
        + """
          - name: dns
            connect_timeout: 1s
            type: STRICT_DNS
            load_assignment:
              cluster_name: dns
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: localhost, port_value: %d}}}}]}]
        """.formatted(a.port());
    dp = Bootstraps.start(Bootstraps.bootstrap(routes, null, clusters, log, null));
  }

  @AfterAll
  void stop() throws Exception {
    dp.close();
    a.close();
    b.close();
    Files.deleteIfExists(log);
  }

  private RawResponse get(String host, String path, String... headers) throws Exception {
    return RawResponse.get(dp.port("ingress"), host, path, headers);
  }

  @Test
  void redirectsAnswerWithEnvoysLocationAndStatus() throws Exception {
    int before = a.requests.get() + b.requests.get();
    RawResponse https = get("redirect.example:80", "/https/x?q=1");
    assertThat(https.status()).isEqualTo(301);
    assertThat(https.header("location")).containsExactly("https://redirect.example/https/x?q=1");
    assertThat(https.body()).isEmpty();

    assertThat(get("redirect.example", "/moved/a/b?x=1").header("location")).containsExactly("http://redirect.example/new/a/b?x=1");
    assertThat(get("redirect.example", "/moved/a").status()).isEqualTo(308);

    RawResponse page = get("redirect.example:8080", "/page?x=1");
    assertThat(page.status()).isEqualTo(302);
    assertThat(page.header("location")).containsExactly("http://other.example:8443/landing");
    assertThat(page.header("x-redirected")).containsExactly("yes");

    assertThat(get("redirect.example", "/keepquery?a=b").header("location")).containsExactly("http://redirect.example/landing?a=b");

    RawResponse re = get("redirect.example", "/re/42/x");
    assertThat(re.status()).isEqualTo(303);
    assertThat(re.header("location")).containsExactly("http://redirect.example/items/42");

    RawResponse scheme = get("redirect.example:8080", "/scheme?drop=1");
    assertThat(scheme.status()).isEqualTo(307);
    assertThat(scheme.header("location")).containsExactly("https://redirect.example:8080/scheme");
    assertThat(a.requests.get() + b.requests.get()).as("a redirect never goes upstream").isEqualTo(before);
    assertThat(counter("http.ingress_http.rq_redirect")).isGreaterThanOrEqualTo(7);
  }

  @Test
  void regexRewriteAndPathSeparatedPrefix() throws Exception {
    RawResponse r = get("rewrite.example", "/regex/abc/12/rest?q=1");
    assertThat(r.upstreamRequestLine()).isEqualTo("GET /v12/abc/rest?q=1");
    assertThat(r.upstreamSaw("x-envoy-original-path")).containsExactly("/regex/abc/12/rest?q=1");

    assertThat(get("rewrite.example", "/sep").upstreamRequestLine()).isEqualTo("GET /separated");
    assertThat(get("rewrite.example", "/sep/x?y=1").upstreamRequestLine()).isEqualTo("GET /separated/x?y=1");
    assertThat(get("rewrite.example", "/sepx").status()).as("a path-separated prefix needs '/' or the end after it").isEqualTo(404);
  }

  @Test
  void hostRewrites() throws Exception {
    assertThat(get("rewrite.example", "/hosthdr", "x-target-host: target.internal").upstreamSaw("host")).containsExactly("target.internal");
    assertThat(get("rewrite.example", "/hosthdr").upstreamSaw("host")).as("no header, no rewrite").containsExactly("rewrite.example");
    assertThat(get("rewrite.example", "/hostpath/reviews/v1").upstreamSaw("host")).containsExactly("reviews.svc");
    assertThat(get("rewrite.example", "/auto").upstreamSaw("host")).as("a DNS cluster's hostname").containsExactly("localhost");
    assertThat(get("rewrite.example", "/autostatic").upstreamSaw("host")).as("a STATIC host has no hostname")
        .containsExactly("rewrite.example");
  }

  @Test
  void clusterHeaderPicksTheClusterAndAnUnknownOneGetsTheConfiguredCode() throws Exception {
    assertThat(get("rewrite.example", "/byheader", "x-cluster: b").header("x-upstream-name")).containsExactly("b");
    assertThat(get("rewrite.example", "/byheader", "x-cluster: a").header("x-upstream-name")).containsExactly("a");
    assertThat(get("rewrite.example", "/byheader", "x-cluster: nope").status()).isEqualTo(404);
    assertThat(get("rewrite.example", "/byheader").status()).isEqualTo(404);
  }

  @Test
  void maxStreamDurationAndGrpcTimeout() throws Exception {
    long t0 = System.nanoTime();
    RawResponse r = get("rewrite.example", "/deadline/3000");
    assertThat(r.status()).isEqualTo(504);
    assertThat(r.body()).isEqualTo("downstream duration timeout");
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2500);

    // gRPC with grpc_timeout_header_max 0 (no cap): the grpc-timeout header is the limit.
    RawResponse g = get("rewrite.example", "/grpc-deadline/3000", "content-type: application/grpc", "grpc-timeout: 200m");
    // A gRPC request gets the 504 as Envoy's gRPC local reply, DEADLINE_EXCEEDED as Envoy passes it.
    assertThat(g.status()).isEqualTo(200);
    assertThat(g.header("grpc-status")).containsExactly("4");
    assertThat(g.header("grpc-message")).containsExactly("downstream duration timeout");
    // Not gRPC: no limit from the header (and max_stream_duration unset).
    assertThat(get("rewrite.example", "/grpc-deadline/400", "grpc-timeout: 100m").status()).isEqualTo(200);
    // gRPC without grpc-timeout and no cap: no limit.
    assertThat(get("rewrite.example", "/grpc-deadline/300", "content-type: application/grpc+proto").status()).isEqualTo(200);
    // Capped at 0.2 s although the client allows 10 s.
    t0 = System.nanoTime();
    assertThat(get("rewrite.example", "/capped/3000", "content-type: application/grpc", "grpc-timeout: 10S").header("grpc-status"))
        .containsExactly("4");
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2500);
    dp.server().flushAccessLogs();
    List<String> lines = Files.readAllLines(log);
    assertThat(lines).anyMatch(l -> l.contains("/deadline/3000") && l.contains(" 504 DT "));
  }

  @Test
  void requestMirrorPoliciesShadowTheRequestWithItsBodyToTheMirrorCluster() throws Exception {
    b.received.clear();
    String body = "x".repeat(20_000);
    RawResponse r = RawResponse.sendBody(dp.port("ingress"), "POST", "rewrite.example:8080", "/mirror/up?k=v", body, "x-trace: t1");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-upstream-name")).as("the client gets the primary's answer").containsExactly("a");
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (b.received.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(200); // a second (wrong) shadow would have arrived by now
    assertThat(b.received).as("one shadow: the 0% policy never fires").hasSize(1);
    String shadow = b.received.peek();
    assertThat(shadow).startsWith("POST /mirror/up?k=v\n");
    assertThat(shadow).contains("\nhost: rewrite.example-shadow:8080\n").contains("\nx-trace: t1\n");
    assertThat(shadow).endsWith("\n\n" + body);
  }

  private long counter(String name) throws Exception {
    String stats = io.wasmplane.dataplane.testing.Http.get(io.wasmplane.dataplane.testing.Http.h1(),
        "http://127.0.0.1:" + dp.adminPort() + "/stats?filter=" + name).body();
    for (String l : stats.split("\n")) {
      if (l.startsWith(name + ": ")) {
        return Long.parseLong(l.substring(name.length() + 2).trim());
      }
    }
    return -1;
  }
}

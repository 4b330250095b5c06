package io.wasmplane.dataplane.testing;

import io.wasmplane.dataplane.Dataplane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** One data plane with a realistic route table over real upstreams: HTTP/1.1 a and b, HTTP/2, dead, resetting. */
public final class ProxyFixture implements AutoCloseable {
  public final TestUpstream a;
  public final TestUpstream b;
  public final H2Upstream h2;
  public final ResettingUpstream resetting;
  public final ResettingUpstream garbage;
  public final int deadPort;
  public final Path accessLog;
  public final Dataplane dataplane;

  public ProxyFixture() throws Exception {
    a = new TestUpstream("a");
    b = new TestUpstream("b");
    h2 = new H2Upstream();
    resetting = new ResettingUpstream();
    garbage = new ResettingUpstream("SSH-2.0-OpenSSH_9.2 not http\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    deadPort = Ports.freePort();
    accessLog = Files.createTempFile("access", ".log");
    String routes = """
        - name: main
          domains: ["*"]
          routes:
          - match: {prefix: "/direct"}
            direct_response: {status: 200, body: {inline_string: "hello direct"}}
          - match: {path: "/exact"}
            route: {cluster: b}
          - match: {safe_regex: {regex: "/re/[0-9]+"}}
            route: {cluster: b}
          - match: {prefix: "/hdr", headers: [{name: x-pick, string_match: {exact: b}}]}
            route: {cluster: b}
          - match: {prefix: "/api/"}
            route: {cluster: a, prefix_rewrite: "/v2/", host_rewrite_literal: "rewritten.example"}
          - match: {prefix: "/dead"}
            route: {cluster: dead}
          - match: {prefix: "/reset"}
            route: {cluster: resetting}
          - match: {prefix: "/garbage"}
            route: {cluster: garbage}
          - match: {prefix: "/timeout"}
            route: {cluster: a, timeout: 0.3s, prefix_rewrite: "/slow/3000"}
          - match: {prefix: "/weighted"}
            route: {weighted_clusters: {clusters: [{name: a, weight: 50}, {name: b, weight: 50}]}}
          - match: {prefix: "/h2up"}
            route: {cluster: h2}
          - match: {prefix: "/"}
            route: {cluster: a}
        - name: other
          domains: ["other.example", "*.wild.example"]
          routes:
          - match: {prefix: "/"}
            direct_response: {status: 201, body: {inline_string: "other vhost"}}
        - name: strict
          domains: ["strict.example"]
          routes:
          - match: {path: "/only"}
            direct_response: {status: 200}
        """;
    String hcmExtra = """
        use_remote_address: true
        max_request_headers_kb: 8
        """;
    String h2Options = """
        typed_extension_protocol_options:
          envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
            "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
            explicit_http_config: {http2_protocol_options: {}}
        """;
    String clusters = String.join("",
        Bootstraps.staticCluster("a", a.port(), null),
        Bootstraps.staticCluster("b", b.port(), "lb_policy: LEAST_REQUEST"),
        Bootstraps.staticCluster("h2", h2.port(), h2Options),
        Bootstraps.staticCluster("dead", deadPort, null),
        Bootstraps.staticCluster("resetting", resetting.port(), null),
        Bootstraps.staticCluster("garbage", garbage.port(), null));
    dataplane = Bootstraps.start(Bootstraps.bootstrap(routes, hcmExtra, clusters, accessLog, null));
  }

  public int port() {
    return dataplane.port("ingress");
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  public String admin(String path) {
    return "http://127.0.0.1:" + dataplane.adminPort() + path;
  }

  public List<String> accessLogLines() throws Exception {
    dataplane.server().flushAccessLogs();
    return Files.readAllLines(accessLog);
  }

  @Override
  public void close() throws Exception {
    dataplane.close();
    a.close();
    b.close();
    h2.close();
    resetting.close();
    garbage.close();
    Files.deleteIfExists(accessLog);
  }
}

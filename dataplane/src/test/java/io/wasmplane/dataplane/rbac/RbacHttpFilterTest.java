package io.wasmplane.dataplane.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.AccessLogFiles;
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
 * envoy.filters.http.rbac as Istio writes it, through a real data plane and upstream: an ALLOW policy on method, path
 * and a header (allowed 200, denied 403 "RBAC: access denied" with the details in the access log, counted), a second
 * policy with a port range and not_id, Istio's dry-run shadow rules (counted under their stat prefix, never enforced),
 * and per-route RBACPerRoute configs that disable the filter, DENY the direct peer by IP, or DENY a remote_ip taken
 * from x-forwarded-for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class RbacHttpFilterTest {
  private static final String PER_ROUTE = "\"@type\": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute";

  /** The HCM's fields: %1$s the per-route config's type, %2$s the access log path. */
  private static final String HCM_FIELDS = """
      access_log:
      - name: envoy.access_loggers.file
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
          path: %2$s
          log_format: {text_format: "%%REQ(:PATH)%% %%RESPONSE_CODE%% %%RESPONSE_CODE_DETAILS%%\\n"}
      route_config:
        name: local
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/open"}
            route: {cluster: a}
            typed_per_filter_config:
              envoy.filters.http.rbac: {%1$s}
          - match: {prefix: "/local-denied"}
            route: {cluster: a}
            typed_per_filter_config:
              envoy.filters.http.rbac:
                %1$s
                rbac:
                  rules:
                    action: DENY
                    policies:
                      deny-loopback:
                        permissions: [{any: true}]
                        principals: [{direct_remote_ip: {address_prefix: 127.0.0.0, prefix_len: 8}}]
          - match: {prefix: "/xff"}
            route: {cluster: a}
            typed_per_filter_config:
              envoy.filters.http.rbac:
                %1$s
                rbac:
                  rules:
                    action: DENY
                    policies:
                      deny-10:
                        permissions: [{any: true}]
                        principals: [{remote_ip: {address_prefix: 10.1.2.0, prefix_len: 24}}]
          - match: {prefix: "/"}
            route: {cluster: a}
      http_filters:
      - name: envoy.filters.http.rbac
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
          rules:
            action: ALLOW
            policies:
              "ns[default]-policy[api-readers]-rule[0]":
                permissions:
                - and_rules:
                    rules:
                    - header: {name: ":method", string_match: {exact: GET}}
                    - or_rules:
                        rules:
                        - url_path: {path: {prefix: "/api/"}}
                        - url_path: {path: {exact: "/health"}}
                principals:
                - and_ids: {ids: [{header: {name: x-team, string_match: {exact: blue}}}]}
              "ports":
                permissions:
                - and_rules:
                    rules:
                    - destination_port_range: {start: 1, end: 65536}
                    - header: {name: x-port-policy, present_match: true}
                principals:
                - not_id: {header: {name: x-blocked, present_match: true}}
          shadow_rules:
            action: DENY
            policies:
              deny-evil:
                permissions: [{any: true}]
                principals: [{header: {name: x-evil, present_match: true}}]
          shadow_rules_stat_prefix: istio_dry_run_allow_
      - name: envoy.filters.http.router
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
      """;

  private TestUpstream a;
  private Path log;
  private Dataplane dp;
  private int port;

  @BeforeAll
  void start() throws Exception {
    a = new TestUpstream("a");
    log = Files.createTempFile("rbac", ".log");
    dp = Bootstraps.start(Bootstraps.hcmListener(HCM_FIELDS.formatted(PER_ROUTE, log), null,
        Bootstraps.staticCluster("a", a.port(), null)));
    port = dp.port("ingress");
  }

  @AfterAll
  void stop() throws Exception {
    dp.close();
    a.close();
    Files.deleteIfExists(log);
  }

  private long counter(String name) {
    return dp.server().stats().snapshot().counter("http.ingress_http.rbac." + name);
  }

  private RawResponse get(String path, String... headers) throws Exception {
    return RawResponse.get(port, "svc", path, headers);
  }

  /** The access log line of the request to {@code path} (each test uses its own paths). */
  private String logLine(String path) throws Exception {
    for (int i = 0; i < 50; i++) {
      List<String> lines = AccessLogFiles.awaitLines(dp, log, 1);
      for (String l : lines) {
        if (l.startsWith(path + " ")) {
          return l;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no access log line for " + path);
  }

  @Test
  void aRequestThePolicyAllowsReachesTheUpstreamAndIsCounted() throws Exception {
    long allowed = counter("allowed");
    RawResponse r = get("/api/books", "x-team: blue");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-upstream-name")).containsExactly("a");
    assertThat(get("/health?probe=1", "x-team: blue").status()).isEqualTo(200); // url_path ignores the query
    assertThat(counter("allowed")).isEqualTo(allowed + 2);
  }

  @Test
  void aRequestNoPolicyAllowsIsDeniedWith403AndTheDetailsAndCounted() throws Exception {
    int upstream = a.requests.get();
    long denied = counter("denied");
    RawResponse wrongMethod = RawResponse.send(port, "DELETE", "svc", "/api/denied-method", "x-team: blue");
    assertThat(wrongMethod.status()).isEqualTo(403);
    assertThat(wrongMethod.body()).isEqualTo("RBAC: access denied");
    assertThat(get("/api/denied-team", "x-team: red").status()).isEqualTo(403);
    assertThat(get("/other/denied-path", "x-team: blue").status()).isEqualTo(403);
    assertThat(a.requests.get()).isEqualTo(upstream);
    assertThat(counter("denied")).isEqualTo(denied + 3);
    assertThat(logLine("/api/denied-method")).isEqualTo("/api/denied-method 403 rbac_access_denied_matched_policy[none]");
  }

  @Test
  void aSecondPolicyWithAPortRangeAndNotIdAllowsUnlessItsPrincipalIsExcluded() throws Exception {
    assertThat(RawResponse.send(port, "POST", "svc", "/anything", "x-port-policy: 1").status()).isEqualTo(200);
    assertThat(RawResponse.send(port, "POST", "svc", "/anything", "x-port-policy: 1", "x-blocked: 1").status()).isEqualTo(403);
  }

  @Test
  void shadowRulesAreCountedUnderTheirPrefixButNeverEnforced() throws Exception {
    long shadowDenied = counter("istio_dry_run_allow_shadow_denied");
    long shadowAllowed = counter("istio_dry_run_allow_shadow_allowed");
    assertThat(get("/api/shadow", "x-team: blue", "x-evil: 1").status()).isEqualTo(200);
    assertThat(counter("istio_dry_run_allow_shadow_denied")).isEqualTo(shadowDenied + 1);
    assertThat(get("/api/shadow", "x-team: blue").status()).isEqualTo(200);
    assertThat(counter("istio_dry_run_allow_shadow_allowed")).isEqualTo(shadowAllowed + 1);
    // A request the enforced rules deny still runs the shadow rules first.
    assertThat(get("/nope/shadow", "x-evil: 1").status()).isEqualTo(403);
    assertThat(counter("istio_dry_run_allow_shadow_denied")).isEqualTo(shadowDenied + 2);
  }

  @Test
  void anEmptyRbacPerRouteDisablesTheFilterOnThatRoute() throws Exception {
    long allowed = counter("allowed");
    long denied = counter("denied");
    long shadow = counter("istio_dry_run_allow_shadow_denied");
    RawResponse r = RawResponse.send(port, "DELETE", "svc", "/open/anything", "x-evil: 1");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-upstream-name")).containsExactly("a");
    assertThat(counter("allowed")).isEqualTo(allowed);
    assertThat(counter("denied")).isEqualTo(denied);
    assertThat(counter("istio_dry_run_allow_shadow_denied")).isEqualTo(shadow); // the route's config replaces the shadow rules too
  }

  @Test
  void aRouteDenyPolicyOnTheDirectPeerNamesThePolicyInTheDetails() throws Exception {
    int upstream = a.requests.get();
    RawResponse r = get("/local-denied/x", "x-team: blue");
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.body()).isEqualTo("RBAC: access denied");
    assertThat(a.requests.get()).isEqualTo(upstream);
    assertThat(logLine("/local-denied/x")).isEqualTo("/local-denied/x 403 rbac_access_denied_matched_policy[deny-loopback]");
  }

  @Test
  void behindProxyProtocolRemoteIpIsTheHeadersClientAndDirectRemoteIpTheSocketPeer() throws Exception {
    String yaml = """
        static_resources:
          listeners:
          - name: ingress
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            listener_filters:
            - name: envoy.filters.listener.proxy_protocol
              typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: proxied
                  use_remote_address: true
                  route_config:
                    virtual_hosts: [{name: all, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: a}}]}]
                  http_filters:
                  - name: envoy.filters.http.rbac
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                      rules:
                        policies:
                          proxied:
                            permissions: [{any: true}]
                            principals:
                            - and_ids:
                                ids:
                                - remote_ip: {address_prefix: 192.0.2.0, prefix_len: 24}
                                - direct_remote_ip: {address_prefix: 127.0.0.1, prefix_len: 32}
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
          clusters:
        %s
        """.formatted(Bootstraps.staticCluster("a", a.port(), null));
    try (Dataplane proxied = Bootstraps.start(yaml)) {
      int p = proxied.port("ingress");
      String get = "GET / HTTP/1.1\r\nHost: svc\r\nConnection: close\r\n\r\n";
      assertThat(statusLine(p, "PROXY TCP4 192.0.2.10 127.0.0.1 5555 80\r\n" + get)).isEqualTo("HTTP/1.1 200 OK");
      assertThat(statusLine(p, "PROXY TCP4 203.0.113.9 127.0.0.1 5555 80\r\n" + get)).isEqualTo("HTTP/1.1 403 Forbidden");
    }
  }

  private static String statusLine(int port, String request) throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String response = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
      return response.lines().findFirst().orElse("");
    }
  }

  @Test
  void remoteIpIsTheLastForwardedForEntryWithoutUseRemoteAddress() throws Exception {
    assertThat(get("/xff/a", "x-forwarded-for: 192.0.2.7, 10.1.2.3").status()).isEqualTo(403);
    assertThat(get("/xff/b", "x-forwarded-for: 10.1.2.3, 192.0.2.7").status()).isEqualTo(200);
    assertThat(get("/xff/c", "x-forwarded-for: not-an-ip").status()).isEqualTo(200); // falls back to the peer, 127.0.0.1
    assertThat(get("/xff/d").status()).isEqualTo(200);
  }
}

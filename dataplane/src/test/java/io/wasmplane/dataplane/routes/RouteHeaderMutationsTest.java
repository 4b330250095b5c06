package io.wasmplane.dataplane.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Year;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * request/response_headers_to_add/remove on the route configuration, virtual host, route and weighted cluster, with
 * every append_action, the deprecated append, keep_empty_value, command operators, Envoy's order (most specific
 * first, so the route configuration wins an overwrite) and most_specific_header_mutations_wins; internal_only_headers;
 * include_request_attempt_count. Real upstreams echo what they received.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class RouteHeaderMutationsTest {
  private TestUpstream a;
  private TestUpstream b;
  private Path log;
  private Dataplane dp;
  private Dataplane mostSpecificWins;

  private static String routeConfig(boolean mostSpecificWins) {
    return """
        name: local_route
        most_specific_header_mutations_wins: %s
        internal_only_headers: [x-internal-secret]
        request_headers_to_add:
        - {header: {key: x-level, value: config}, append_action: APPEND_IF_EXISTS_OR_ADD}
        - {header: {key: x-winner, value: config}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
        request_headers_to_remove: [x-config-drop]
        response_headers_to_add:
        - {header: {key: x-resp-level, value: config}}
        virtual_hosts:
        - name: hdr
          domains: ["*"]
          include_request_attempt_count: true
          request_headers_to_add:
          - {header: {key: x-level, value: vhost}, append_action: APPEND_IF_EXISTS_OR_ADD}
          - {header: {key: x-winner, value: vhost}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
          response_headers_to_add:
          - {header: {key: x-resp-level, value: vhost}}
          routes:
          - name: ops
            match: {prefix: "/ops"}
            request_headers_to_add:
            - {header: {key: x-level, value: route}, append_action: APPEND_IF_EXISTS_OR_ADD}
            - {header: {key: x-winner, value: route}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
            - {header: {key: x-client, value: "%%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%%"}}
            - {header: {key: x-client-port, value: "%%DOWNSTREAM_REMOTE_ADDRESS%%"}}
            - {header: {key: x-copied, value: "from-%%REQ(x-source)%%"}}
            - {header: {key: x-proto, value: "%%PROTOCOL%%"}}
            - {header: {key: x-year, value: "%%START_TIME(%%Y)%%"}}
            - {header: {key: x-hostname, value: "%%HOSTNAME%%"}}
            - {header: {key: x-percent, value: "100%%%% sure"}}
            - {header: {key: x-absent, value: "%%REQ(x-nope)%%"}}
            - {header: {key: x-absent-kept, value: "%%REQ(x-nope)%%"}, keep_empty_value: true}
            - {header: {key: x-if-absent, value: added}, append_action: ADD_IF_ABSENT}
            - {header: {key: x-if-absent2, value: added}, append_action: ADD_IF_ABSENT}
            - {header: {key: x-overwrite-existing, value: new}, append_action: OVERWRITE_IF_EXISTS}
            - {header: {key: x-overwrite-missing, value: new}, append_action: OVERWRITE_IF_EXISTS}
            - {header: {key: x-legacy-append, value: two}, append: true}
            - {header: {key: x-legacy-set, value: two}, append: false}
            request_headers_to_remove: [x-drop]
            response_headers_to_add:
            - {header: {key: x-resp-level, value: route}}
            - {header: {key: x-upstream-name, value: overwritten}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
            - {header: {key: x-resp-req, value: "%%REQ(x-source)%%"}}
            response_headers_to_remove: [x-request-body-bytes]
            route: {cluster: a}
          - match: {prefix: "/weighted"}
            route:
              weighted_clusters:
                clusters:
                - name: b
                  weight: 1
                  request_headers_to_add: [{header: {key: x-level, value: cluster}, append_action: APPEND_IF_EXISTS_OR_ADD}]
                  response_headers_to_add: [{header: {key: x-resp-cluster, value: b}}]
          - match: {prefix: "/direct"}
            direct_response: {status: 200, body: {inline_string: "direct"}}
            response_headers_to_add: [{header: {key: x-direct, value: "yes"}}]
          - match: {prefix: "/"}
            route: {cluster: a}
        """.formatted(mostSpecificWins);
  }

  @BeforeAll
  void start() throws Exception {
    a = new TestUpstream("a");
    b = new TestUpstream("b");
    log = Files.createTempFile("routes", ".log");
    String clusters = Bootstraps.staticCluster("a", a.port(), null) + Bootstraps.staticCluster("b", b.port(), null);
    dp = Bootstraps.start(Bootstraps.withRouteConfig(routeConfig(false), null, clusters, log, null));
    mostSpecificWins = Bootstraps.start(Bootstraps.withRouteConfig(routeConfig(true), null, clusters, log, null));
  }

  @AfterAll
  void stop() throws Exception {
    dp.close();
    mostSpecificWins.close();
    a.close();
    b.close();
    Files.deleteIfExists(log);
  }

  private RawResponse ops(Dataplane d) throws Exception {
    return RawResponse.get(d.port("ingress"), "svc.example", "/ops?x=1", "x-source: client", "x-if-absent: client",
        "x-overwrite-existing: old", "x-legacy-append: one", "x-legacy-set: one", "x-drop: gone", "x-config-drop: gone");
  }

  @Test
  void levelsApplyFromTheMostSpecificSoTheRouteConfigurationWinsAnOverwrite() throws Exception {
    RawResponse r = ops(dp);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.upstreamSaw("x-level")).containsExactly("route", "vhost", "config");
    assertThat(r.upstreamSaw("x-winner")).containsExactly("config");
    assertThat(r.header("x-resp-level")).containsExactly("route", "vhost", "config");
    assertThat(r.upstreamSaw("x-drop")).isEmpty();
    assertThat(r.upstreamSaw("x-config-drop")).isEmpty();
    assertThat(r.upstreamSaw("x-envoy-attempt-count")).containsExactly("1");
  }

  @Test
  void mostSpecificHeaderMutationsWinsReversesTheOrder() throws Exception {
    RawResponse r = ops(mostSpecificWins);
    assertThat(r.upstreamSaw("x-level")).containsExactly("config", "vhost", "route");
    assertThat(r.upstreamSaw("x-winner")).containsExactly("route");
    assertThat(r.header("x-resp-level")).containsExactly("config", "vhost", "route");
  }

  @Test
  void appendActionsAndTheDeprecatedAppend() throws Exception {
    RawResponse r = ops(dp);
    assertThat(r.upstreamSaw("x-if-absent")).containsExactly("client");
    assertThat(r.upstreamSaw("x-if-absent2")).containsExactly("added");
    assertThat(r.upstreamSaw("x-overwrite-existing")).containsExactly("new");
    assertThat(r.upstreamSaw("x-overwrite-missing")).isEmpty();
    assertThat(r.upstreamSaw("x-legacy-append")).containsExactly("one", "two");
    assertThat(r.upstreamSaw("x-legacy-set")).containsExactly("two");
  }

  @Test
  void commandOperatorsAreRenderedPerRequest() throws Exception {
    RawResponse r = ops(dp);
    assertThat(r.upstreamSaw("x-client")).containsExactly("127.0.0.1");
    assertThat(r.upstreamSaw("x-client-port").get(0)).matches("127\\.0\\.0\\.1:\\d+");
    assertThat(r.upstreamSaw("x-copied")).containsExactly("from-client");
    assertThat(r.upstreamSaw("x-proto")).containsExactly("HTTP/1.1");
    assertThat(r.upstreamSaw("x-year")).containsExactly(Integer.toString(Year.now(java.time.ZoneOffset.UTC).getValue()));
    assertThat(r.upstreamSaw("x-hostname")).hasSize(1);
    assertThat(r.upstreamSaw("x-hostname").get(0)).isNotEmpty();
    assertThat(r.upstreamSaw("x-percent")).containsExactly("100% sure");
    // An operator without a value gives an empty value: the header is left out unless keep_empty_value.
    assertThat(r.upstreamSaw("x-absent")).isEmpty();
    assertThat(r.body()).contains("\nx-absent-kept: \n");
  }

  @Test
  void responseHeadersAreEditedOnTheWayBack() throws Exception {
    RawResponse r = ops(dp);
    assertThat(r.header("x-upstream-name")).containsExactly("overwritten");
    assertThat(r.header("x-resp-req")).containsExactly("client");
    assertThat(r.header("x-request-body-bytes")).isEmpty();
  }

  @Test
  void aWeightedClusterIsTheMostSpecificLevel() throws Exception {
    RawResponse r = RawResponse.get(dp.port("ingress"), "svc.example", "/weighted");
    assertThat(r.header("x-upstream-name")).containsExactly("b");
    assertThat(r.upstreamSaw("x-level")).containsExactly("cluster", "vhost", "config");
    assertThat(r.header("x-resp-cluster")).containsExactly("b");
    assertThat(r.header("x-resp-level")).containsExactly("vhost", "config");
  }

  @Test
  void directResponsesGetTheResponseHeaders() throws Exception {
    RawResponse r = RawResponse.get(dp.port("ingress"), "svc.example", "/direct");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("direct");
    assertThat(r.header("x-direct")).containsExactly("yes");
    assertThat(r.header("x-resp-level")).containsExactly("vhost", "config");
  }

  @Test
  void http2RequestsGetTheSameEdits() throws Exception {
    try (io.wasmplane.dataplane.testing.H2cClient h2 = new io.wasmplane.dataplane.testing.H2cClient(dp.port("ingress"))) {
      var r = h2.request("GET", "/ops", "svc.example", "").get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).contains("\nx-level: route\nx-level: vhost\nx-level: config\n").contains("\nx-proto: HTTP/2\n");
      assertThat(r.headers().getAll("x-resp-level").stream().map(CharSequence::toString)).containsExactly("route", "vhost", "config");
    }
  }

  @Test
  void internalOnlyHeadersAreRemovedFromExternalRequestsOnly() throws Exception {
    int port = dp.port("ingress");
    // No x-forwarded-for (use_remote_address is off): external.
    assertThat(RawResponse.get(port, "svc.example", "/", "x-internal-secret: s").upstreamSaw("x-internal-secret")).isEmpty();
    assertThat(RawResponse.get(port, "svc.example", "/", "x-internal-secret: s", "x-forwarded-for: 203.0.113.9")
        .upstreamSaw("x-internal-secret")).isEmpty();
    assertThat(RawResponse.get(port, "svc.example", "/", "x-internal-secret: s", "x-forwarded-for: 10.1.2.3,10.0.0.1")
        .upstreamSaw("x-internal-secret")).isEmpty();
    // One internal address: internal.
    assertThat(RawResponse.get(port, "svc.example", "/", "x-internal-secret: s", "x-forwarded-for: 10.1.2.3")
        .upstreamSaw("x-internal-secret")).containsExactly("s");
  }
}

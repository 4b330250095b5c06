package io.wasmplane.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Load balancing, DNS cluster types, circuit breakers and upstream TLS, against real upstreams. */
@Timeout(90)
class ClusterBehaviourTest {
  private static final String ROUTES = Bootstraps.ALL_TO_C;
  private final HttpClient client = Http.h1();

  private static String twoHostCluster(int p1, int p2, String extra) {
    return """
          - name: c
            connect_timeout: 1s
            type: STATIC
            lb_policy: ROUND_ROBIN
        %s
            load_assignment:
              cluster_name: c
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        """.formatted(extra == null ? "" : extra, p1, p2);
  }

  @Test
  void roundRobinAlternatesHosts() throws Exception {
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b");
         Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(ROUTES, null, twoHostCluster(a.port(), b.port(), null), Path.of("/dev/null"), null))) {
      List<String> names = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        names.add(Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/rr").headers().firstValue("x-upstream-name").orElseThrow());
      }
      assertThat(names).containsExactly("a", "b", "a", "b", "a", "b");
    }
  }

  @Test
  void dnsClusterTypesResolveOffTheEventLoop() throws Exception {
    try (TestUpstream a = new TestUpstream("a")) {
      for (String type : List.of("STRICT_DNS", "LOGICAL_DNS")) {
        String cluster = Bootstraps.staticCluster("c", a.port(), null).replace("type: STATIC", "type: " + type)
            .replace("address: 127.0.0.1", "address: localhost");
        try (Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(ROUTES, null, cluster, Path.of("/dev/null"), null))) {
          // Clusters are initialized (first DNS answer) before listeners take traffic: the first request works.
          HttpResponse<String> r = Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/dns");
          assertThat(r.statusCode()).as(type).isEqualTo(200);
          assertThat(dp.server().clusters().get("c").hosts()).isNotEmpty();
        }
      }
    }
  }

  @Test
  void circuitBreakerOverflowIs503WithUpstreamOverflowFlag() throws Exception {
    Path log = Files.createTempFile("cb", ".log");
    String limits = """
        circuit_breakers:
          thresholds:
          - {max_connections: 1, max_pending_requests: 1}
        """;
    try (TestUpstream a = new TestUpstream("a");
         Dataplane dp = Dataplane.start(io.wasmplane.dataplane.config.BootstrapLoader.fromText(
             Bootstraps.bootstrap(ROUTES, null, Bootstraps.staticCluster("c", a.port(), limits), log, null), "cb"),
             Dataplane.Options.defaults().withConcurrency(1))) {
      List<CompletableFuture<HttpResponse<String>>> rs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        rs.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.port("ingress") + "/slow/500")).build(),
            HttpResponse.BodyHandlers.ofString()));
        Thread.sleep(50);
      }
      List<Integer> codes = new ArrayList<>();
      for (var f : rs) {
        codes.add(f.get().statusCode());
      }
      assertThat(codes).containsExactlyInAnyOrder(200, 200, 503);
      dp.server().flushAccessLogs();
      for (int i = 0; i < 50 && Files.readAllLines(log).stream().noneMatch(l -> l.contains(" 503 UO ")); i++) {
        Thread.sleep(50);
        dp.server().flushAccessLogs();
      }
      assertThat(Files.readAllLines(log)).anyMatch(l -> l.contains(" 503 UO "));
      assertThat(dp.server().stats().snapshot().counter("cluster.c.upstream_rq_pending_overflow")).isEqualTo(1);
    } finally {
      Files.deleteIfExists(log);
    }
  }

  @Test
  void streamIdleTimeoutAnswers408WithFlagSI() throws Exception {
    Path log = Files.createTempFile("si", ".log");
    try (TestUpstream a = new TestUpstream("a");
         Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(ROUTES, "stream_idle_timeout: 0.3s",
             Bootstraps.staticCluster("c", a.port(), null), log, null))) {
      long t0 = System.nanoTime();
      HttpResponse<String> r = Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/slow/3000");
      assertThat(r.statusCode()).isEqualTo(408);
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2500);
      for (int i = 0; i < 50 && Files.readAllLines(log).stream().noneMatch(l -> l.contains(" 408 SI ")); i++) {
        Thread.sleep(50);
        dp.server().flushAccessLogs();
      }
      assertThat(Files.readAllLines(log)).anyMatch(l -> l.contains(" 408 SI "));
      // A request that keeps making progress is not cut.
      assertThat(Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/slow/100").statusCode()).isEqualTo(200);
    } finally {
      Files.deleteIfExists(log);
    }
  }

  @Test
  void upstreamTlsForHttp11AndHttp2WithAlpn() throws Exception {
    String tlsListener = """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
            common_tls_context:
              tls_certificates:
              - certificate_chain: {filename: %s}
                private_key: {filename: %s}
        """.formatted(Http.resource("/tls/server.crt"), Http.resource("/tls/server.key"));
    String backRoutes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            direct_response: {status: 200, body: {inline_string: "tls backend"}}
        """;
    try (Dataplane backend = Bootstraps.start(Bootstraps.bootstrap(backRoutes, null, "    []", Path.of("/dev/null"), tlsListener))) {
      for (boolean h2 : new boolean[] {false, true}) {
        String extra = """
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                sni: localhost
                common_tls_context:
                  alpn_protocols: [%s]
                  validation_context:
                    trusted_ca: {filename: %s}
            """.formatted(h2 ? "h2" : "http/1.1", Http.resource("/tls/server.crt"))
            + (h2 ? """
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config: {http2_protocol_options: {}}
            """ : "");
        try (Dataplane front = Bootstraps.start(Bootstraps.bootstrap(ROUTES, null,
            Bootstraps.staticCluster("c", backend.port("ingress"), extra), Path.of("/dev/null"), null))) {
          HttpResponse<String> r = Http.get(client, "http://127.0.0.1:" + front.port("ingress") + "/through-tls");
          assertThat(r.statusCode()).as("h2=" + h2).isEqualTo(200);
          assertThat(r.body()).isEqualTo("tls backend");
          long h2Conns = backend.server().stats().snapshot().counter("http.ingress_http.downstream_cx_http2_total");
          assertThat(h2Conns > 0).isEqualTo(h2);
        }
      }
    }
  }
}

package io.wasmplane.dataplane.fault;

import static io.wasmplane.dataplane.fault.FaultBootstraps.perRoute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.AccessLogFiles;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.GrpcHealthUpstream;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** envoy.filters.http.fault through a real data plane, real upstreams and real HTTP/1.1 and gRPC clients. */
@Timeout(60)
class FaultFilterTest {
  private static final String ALL_TO_A = """
      name: rc
      virtual_hosts:
      - name: all
        domains: ["*"]
        routes:
        - match: {prefix: "/"}
          route: {cluster: a}
      """;

  private TestUpstream a;
  private TestUpstream b;
  private Path log;

  @BeforeEach
  void setUp() throws Exception {
    a = new TestUpstream("a");
    b = new TestUpstream("b");
    log = Files.createTempFile("fault", ".log");
  }

  @AfterEach
  void tearDown() throws Exception {
    a.close();
    b.close();
    Files.deleteIfExists(log);
  }

  private String clusters() {
    return Bootstraps.staticCluster("a", a.port(), null) + Bootstraps.staticCluster("b", b.port(), null);
  }

  private Dataplane start(String faultBody, String routeConfig) {
    return FaultBootstraps.start(faultBody, routeConfig, clusters(), log);
  }

  private static long counter(Dataplane dp, String name) {
    return dp.server().stats().snapshot().counter("http.ingress_http.fault." + name);
  }

  private static long activeFaults(Dataplane dp) {
    return dp.server().stats().snapshot().gauge("http.ingress_http.fault.active_faults");
  }

  @Test
  void abortAtHundredPercentAnswersLocallyWithFlagFI() throws Exception {
    try (Dataplane dp = start("abort: {http_status: 503, percentage: {numerator: 100}}", ALL_TO_A)) {
      RawResponse r = RawResponse.get(dp.port("ingress"), "h", "/x");
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.body()).isEqualTo("fault filter abort");
      assertThat(a.requests.get()).isZero();
      assertThat(counter(dp, "aborts_injected")).isEqualTo(1);
      assertThat(counter(dp, "delays_injected")).isZero();
      assertThat(AccessLogFiles.awaitLines(dp, log, 1).get(0)).contains("\"GET /x HTTP/1.1\" 503 FI ");
      Await.until("active_faults back to 0", () -> activeFaults(dp) == 0);
    }
  }

  @Test
  void zeroPercentNeverFaults() throws Exception {
    // An unset percentage is 0% too (the proto default), as in Envoy.
    try (Dataplane dp = start("""
        abort: {http_status: 503, percentage: {numerator: 0}}
        delay: {fixed_delay: 5s}
        """, ALL_TO_A)) {
      for (int i = 0; i < 20; i++) {
        assertThat(RawResponse.get(dp.port("ingress"), "h", "/ok").status()).isEqualTo(200);
      }
      assertThat(a.requests.get()).isEqualTo(20);
      assertThat(counter(dp, "aborts_injected") + counter(dp, "delays_injected")).isZero();
    }
  }

  @Test
  void aFractionalPercentageFaultsAboutThatShareOfRequests() throws Exception {
    // 50 % as 5000 / TEN_THOUSAND; over 100 requests a result outside [20, 80] has a chance below 1e-8.
    try (Dataplane dp = start("abort: {http_status: 503, percentage: {numerator: 5000, denominator: TEN_THOUSAND}}", ALL_TO_A)) {
      int aborted = 0;
      for (int i = 0; i < 100; i++) {
        if (RawResponse.get(dp.port("ingress"), "h", "/p").status() == 503) {
          aborted++;
        }
      }
      assertThat(aborted).isBetween(20, 80);
      assertThat(counter(dp, "aborts_injected")).isEqualTo(aborted);
      assertThat(a.requests.get()).isEqualTo(100 - aborted);
    }
  }

  @Test
  void fixedDelayHoldsTheRequestAtLeastThatLongWithFlagDI() throws Exception {
    try (Dataplane dp = start("delay: {fixed_delay: 0.4s, percentage: {numerator: 1000000, denominator: MILLION}}", ALL_TO_A)) {
      long start = System.nanoTime();
      RawResponse r = RawResponse.sendBody(dp.port("ingress"), "POST", "h", "/delayed", "body during the delay");
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).contains("body during the delay"); // the echoing upstream got the body held during the delay
      assertThat(tookMs).isGreaterThanOrEqualTo(400);
      assertThat(counter(dp, "delays_injected")).isEqualTo(1);
      assertThat(AccessLogFiles.awaitLines(dp, log, 1).get(0)).contains(" 200 DI ");
      Await.until("active_faults back to 0", () -> activeFaults(dp) == 0);
    }
  }

  @Test
  void headersControlAbortAndDelayOnlyWhenConfigured() throws Exception {
    try (Dataplane dp = start("""
        abort: {header_abort: {}, percentage: {numerator: 100}}
        delay: {header_delay: {}, percentage: {numerator: 100}}
        """, ALL_TO_A)) {
      int port = dp.port("ingress");
      assertThat(RawResponse.get(port, "h", "/plain").status()).isEqualTo(200);
      RawResponse aborted = RawResponse.get(port, "h", "/abort", "x-envoy-fault-abort-request: 429",
          "x-envoy-downstream-service-cluster: frontend");
      assertThat(aborted.status()).isEqualTo(429);
      assertThat(aborted.body()).isEqualTo("fault filter abort");
      // The request may ask for a lower percentage, here none of its requests.
      assertThat(RawResponse.get(port, "h", "/zero", "x-envoy-fault-abort-request: 429",
          "x-envoy-fault-abort-request-percentage: 0").status()).isEqualTo(200);
      // A status outside [200, 600) is no abort.
      assertThat(RawResponse.get(port, "h", "/bad", "x-envoy-fault-abort-request: 700").status()).isEqualTo(200);
      long start = System.nanoTime();
      assertThat(RawResponse.get(port, "h", "/slow", "x-envoy-fault-delay-request: 300",
          "x-envoy-downstream-service-cluster: frontend").status()).isEqualTo(200);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(300);
      assertThat(counter(dp, "aborts_injected")).isEqualTo(1);
      assertThat(counter(dp, "delays_injected")).isEqualTo(1);
      // Also counted per x-envoy-downstream-service-cluster.
      assertThat(counter(dp, "frontend.aborts_injected")).isEqualTo(1);
      assertThat(counter(dp, "frontend.delays_injected")).isEqualTo(1);
      assertThat(a.requests.get()).isEqualTo(4);
    }
    // Without header_abort in the config the header does nothing; disable_downstream_cluster_stats drops those stats.
    try (Dataplane dp = start("""
        delay: {header_delay: {}, percentage: {numerator: 100}}
        disable_downstream_cluster_stats: true
        """, ALL_TO_A)) {
      assertThat(RawResponse.get(dp.port("ingress"), "h", "/abort", "x-envoy-fault-abort-request: 429").status()).isEqualTo(200);
      assertThat(RawResponse.get(dp.port("ingress"), "h", "/slow", "x-envoy-fault-delay-request: 10",
          "x-envoy-downstream-service-cluster: backend").status()).isEqualTo(200);
      assertThat(counter(dp, "delays_injected")).isEqualTo(1);
      assertThat(dp.server().stats().snapshot().counters()).doesNotContainKey("http.ingress_http.fault.backend.delays_injected");
    }
  }

  @Test
  void grpcAbortAnswersAGrpcClientWithThatStatus() throws Exception {
    String h2 = """
        typed_extension_protocol_options:
          envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
            "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
            explicit_http_config: {http2_protocol_options: {}}
        """;
    String routes = """
        name: rc
        virtual_hosts:
        - name: grpc
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: g}
        - name: http-status
          domains: ["http-abort.example"]
          %s
          routes:
          - match: {prefix: "/"}
            route: {cluster: g}
        """.formatted(perRoute("abort: {http_status: 503, percentage: {numerator: 100}}"));
    try (GrpcHealthUpstream g = new GrpcHealthUpstream("g");
         Dataplane dp = FaultBootstraps.start("abort: {grpc_status: 5, percentage: {numerator: 100}}", routes,
             Bootstraps.staticCluster("g", g.port(), h2), log)) {
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", dp.port("ingress")).usePlaintext().build();
      ManagedChannel httpAbort = NettyChannelBuilder.forAddress("127.0.0.1", dp.port("ingress")).usePlaintext()
          .overrideAuthority("http-abort.example").build();
      try {
        assertThatThrownBy(() -> GrpcHealthUpstream.who(ch)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(e.getStatus().getDescription()).isEqualTo("fault filter abort");
        });
        // An HTTP status aborting a gRPC request is mapped as Envoy maps it: 503 is UNAVAILABLE.
        assertThatThrownBy(() -> GrpcHealthUpstream.who(httpAbort)).isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      } finally {
        ch.shutdownNow();
        httpAbort.shutdownNow();
      }
      assertThat(counter(dp, "aborts_injected")).isEqualTo(2);
      // A non-gRPC request aborted with a gRPC status gets HTTP 200 and the abort body, as from Envoy.
      RawResponse plain = RawResponse.get(dp.port("ingress"), "h", "/x");
      assertThat(plain.status()).isEqualTo(200);
      assertThat(plain.body()).isEqualTo("fault filter abort");
    }
  }

  @Test
  void upstreamClusterHeadersAndDownstreamNodesSelectTheRequests() throws Exception {
    String routes = """
        name: rc
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/b"}
            route: {cluster: b}
          - match: {prefix: "/"}
            route: {cluster: a}
        """;
    try (Dataplane dp = start("""
        abort: {http_status: 503, percentage: {numerator: 100}}
        upstream_cluster: b
        headers: [{name: x-fault, string_match: {exact: "yes"}}]
        downstream_nodes: [node-1]
        """, routes)) {
      int port = dp.port("ingress");
      String[] all = {"x-fault: yes", "x-envoy-downstream-service-node: node-1"};
      assertThat(RawResponse.get(port, "h", "/b", all).status()).isEqualTo(503);
      assertThat(RawResponse.get(port, "h", "/a", all).status()).isEqualTo(200); // another cluster
      assertThat(RawResponse.get(port, "h", "/b", "x-fault: no", all[1]).status()).isEqualTo(200);
      assertThat(RawResponse.get(port, "h", "/b", all[0]).status()).isEqualTo(200); // no node header
      assertThat(RawResponse.get(port, "h", "/b", all[0], "x-envoy-downstream-service-node: node-2").status()).isEqualTo(200);
      assertThat(counter(dp, "aborts_injected")).isEqualTo(1);
    }
  }

  @Test
  void perRouteConfigOverridesVirtualHostRouteConfigurationAndFilterLevel() throws Exception {
    String routes = """
        name: rc
        %s
        virtual_hosts:
        - name: vh
          domains: ["vh.example"]
          %s
          routes:
          - match: {prefix: "/own"}
            route: {cluster: a}
            %s
          - match: {prefix: "/"}
            route: {cluster: a}
        - name: plain
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: a}
        """.formatted(perRoute("abort: {http_status: 401, percentage: {numerator: 100}}"),
        perRoute("abort: {http_status: 403, percentage: {numerator: 100}}"),
        perRoute("abort: {http_status: 418, percentage: {numerator: 100}}"));
    try (Dataplane dp = start("abort: {http_status: 503, percentage: {numerator: 100}}", routes)) {
      int port = dp.port("ingress");
      assertThat(RawResponse.get(port, "vh.example", "/own").status()).isEqualTo(418);
      assertThat(RawResponse.get(port, "vh.example", "/other").status()).isEqualTo(403);
      assertThat(RawResponse.get(port, "else.example", "/x").status()).isEqualTo(401);
    }
    // Without per-route configs the filter's own config applies; an empty route config turns them off there.
    String off = """
        name: rc
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/calm"}
            route: {cluster: a}
            %s
          - match: {prefix: "/"}
            route: {cluster: a}
        """.formatted(perRoute(""));
    try (Dataplane dp = start("abort: {http_status: 503, percentage: {numerator: 100}}", off)) {
      assertThat(RawResponse.get(dp.port("ingress"), "h", "/x").status()).isEqualTo(503);
      assertThat(RawResponse.get(dp.port("ingress"), "h", "/calm").status()).isEqualTo(200);
    }
  }

  @Test
  void maxActiveFaultsLetsOverflowingRequestsThroughUnfaulted() throws Exception {
    try (Dataplane dp = start("""
        delay: {fixed_delay: 1.5s, percentage: {numerator: 100}}
        max_active_faults: 1
        """, ALL_TO_A)) {
      int port = dp.port("ingress");
      CompletableFuture<RawResponse> delayed = CompletableFuture.supplyAsync(() -> {
        try {
          return RawResponse.get(port, "h", "/first");
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      Await.until("the first request's delay is active", () -> activeFaults(dp) == 1);
      RawResponse second = RawResponse.get(port, "h", "/second");
      assertThat(second.status()).isEqualTo(200);
      assertThat(counter(dp, "faults_overflow")).isEqualTo(1);
      assertThat(second.upstreamRequestLine()).isEqualTo("GET /second");
      assertThat(delayed.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(counter(dp, "delays_injected")).isEqualTo(1);
      List<String> lines = AccessLogFiles.awaitLines(dp, log, 2);
      assertThat(lines).anyMatch(l -> l.contains("/first") && l.contains(" 200 DI "));
      assertThat(lines).anyMatch(l -> l.contains("/second") && l.contains(" 200 - "));
      Await.until("active_faults back to 0", () -> activeFaults(dp) == 0);
    }
  }

  @Test
  void aClientLeavingDuringTheDelayReleasesTheStreamAndItsTimer() throws Exception {
    try (Dataplane dp = start("delay: {fixed_delay: 30s, percentage: {numerator: 100}}", ALL_TO_A)) {
      try (Socket s = new Socket("127.0.0.1", dp.port("ingress"))) {
        OutputStream out = s.getOutputStream();
        out.write("GET /gone HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Await.until("the delay is active", () -> activeFaults(dp) == 1);
      }
      // Far sooner than the 30s delay: the stream ended with the connection, and its timer with it.
      Await.until("active_faults back to 0", () -> activeFaults(dp) == 0);
      Await.until("no active request",
          () -> dp.server().stats().snapshot().gauge("http.ingress_http.downstream_rq_active") == 0);
      assertThat(AccessLogFiles.awaitLines(dp, log, 1).get(0)).contains("/gone").contains("DI");
      assertThat(a.requests.get()).isZero();
    }
  }
}

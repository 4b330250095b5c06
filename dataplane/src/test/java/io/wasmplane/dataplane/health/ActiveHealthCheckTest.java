package io.wasmplane.dataplane.health;

import static io.wasmplane.dataplane.health.HealthTestSupport.await;
import static io.wasmplane.dataplane.health.HealthTestSupport.cluster;
import static io.wasmplane.dataplane.health.HealthTestSupport.get;
import static io.wasmplane.dataplane.health.HealthTestSupport.healthFlags;
import static io.wasmplane.dataplane.health.HealthTestSupport.servedBy;
import static io.wasmplane.dataplane.health.HealthTestSupport.start;
import static io.wasmplane.dataplane.health.HealthTestSupport.stat;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.H2Upstream;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.RawHttp;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Envoy's active health checking against real upstreams that start failing and recover. */
@Timeout(60)
class ActiveHealthCheckTest {
  private static final String HTTP_HC = """
      health_checks:
      - timeout: 1s
        interval: 0.1s
        no_traffic_interval: 0.1s
        unhealthy_threshold: 2
        healthy_threshold: 2
        http_health_check:
          path: /healthz
          request_headers_to_add: [{header: {key: x-hc-probe, value: wasmplane}}]
      """;

  @Test
  void failingHostIsTakenOutAndBroughtBack() throws Exception {
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b");
         Dataplane dp = start(cluster(HTTP_HC, a.port(), b.port()))) {
      // Startup waited for the first round: both hosts passed and serve.
      assertThat(healthFlags(dp, a.port())).isEqualTo("healthy");
      assertThat(healthFlags(dp, b.port())).isEqualTo("healthy");
      assertThat(servedBy(dp, 4)).containsExactlyInAnyOrder("a", "a", "b", "b");
      // Envoy's request: GET path, Host = the cluster name (no host configured), user-agent Envoy/HC, added headers.
      assertThat(b.lastHealthCheckHeaders).containsEntry("host", "c").containsEntry("user-agent", "Envoy/HC")
          .containsEntry("x-hc-probe", "wasmplane");

      b.healthStatus.set(503); // a status outside expected_statuses fails the host at once
      await("b failed active hc", 5000, () -> healthFlags(dp, b.port()).equals("/failed_active_hc"));
      assertThat(servedBy(dp, 6)).containsOnly("a");
      assertThat(stat(dp, "cluster.c.health_check.healthy")).isEqualTo(1);
      assertThat(stat(dp, "cluster.c.membership_healthy")).isEqualTo(1);
      assertThat(stat(dp, "cluster.c.membership_total")).isEqualTo(2);
      assertThat(stat(dp, "cluster.c.health_check.failure")).isGreaterThanOrEqualTo(1);
      assertThat(stat(dp, "cluster.c.lb_healthy_panic")).isZero(); // 1 of 2 healthy = 50 %: not below the threshold

      b.healthStatus.set(200);
      await("b healthy again", 5000, () -> healthFlags(dp, b.port()).equals("healthy"));
      assertThat(servedBy(dp, 4)).contains("a", "b");
      long attempts = stat(dp, "cluster.c.health_check.attempt");
      assertThat(attempts).isGreaterThanOrEqualTo(stat(dp, "cluster.c.health_check.success") + stat(dp, "cluster.c.health_check.failure") - 2);
      assertThat(stat(dp, "cluster.c.health_check.healthy")).isEqualTo(2);
    }
  }

  @Test
  void networkFailuresNeedTheUnhealthyThresholdAndDeadHostsNeverServe() throws Exception {
    int dead = Ports.freePort();
    try (TestUpstream a = new TestUpstream("a"); Dataplane dp = start(cluster(HTTP_HC, a.port(), dead))) {
      // A STATIC host starts healthy; unhealthy_threshold (2) network failures take it out.
      await("dead host failed", 5000, () -> healthFlags(dp, dead).equals("/failed_active_hc"));
      assertThat(servedBy(dp, 6)).containsOnly("a");
      await("network failures counted", 5000, () -> stat(dp, "cluster.c.health_check.network_failure") >= 2);
      assertThat(stat(dp, "cluster.c.upstream_cx_connect_fail")).isZero(); // checks are not traffic
    }
  }

  @Test
  void hostsAddedByDnsStartFailedStaticHostsStartHealthy() throws Exception {
    int dead = Ports.freePort();
    String slow = """
        health_checks:
        - {timeout: 0.5s, interval: 1s, unhealthy_threshold: 10, healthy_threshold: 1, tcp_health_check: {}}
        """;
    // Envoy marks hosts that DNS or EDS adds /failed_active_hc until a check passes; a STATIC cluster's hosts start
    // healthy and a dead one stays so until unhealthy_threshold network failures.
    try (Dataplane dp = start(cluster(slow, dead))) {
      assertThat(healthFlags(dp, dead)).isEqualTo("healthy");
    }
    try (Dataplane dp = start(cluster(slow, dead).replace("type: STATIC", "type: STRICT_DNS").replace("address: 127.0.0.1", "address: localhost"))) {
      String flags = HealthTestSupport.admin(dp, "/clusters");
      assertThat(flags).containsPattern("c::[0-9a-f.:]+:" + dead + "::health_flags::/failed_active_hc");
    }
  }

  @Test
  void panicUsesEveryHostAndZeroThresholdRefusesTraffic() throws Exception {
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b")) {
      a.healthStatus.set(500);
      b.healthStatus.set(500);
      try (Dataplane dp = start(cluster(HTTP_HC, a.port(), b.port()))) {
        assertThat(healthFlags(dp, a.port())).isEqualTo("/failed_active_hc");
        // No healthy host is below the default 50 % panic threshold: Envoy balances over all hosts.
        assertThat(servedBy(dp, 4)).containsExactlyInAnyOrder("a", "a", "b", "b");
        assertThat(stat(dp, "cluster.c.lb_healthy_panic")).isEqualTo(4);
        assertThat(stat(dp, "cluster.c.membership_healthy")).isZero();
      }
      try (Dataplane dp = start(cluster(HTTP_HC + "common_lb_config: {healthy_panic_threshold: {value: 0}}\n", a.port(), b.port()))) {
        HttpResponse<String> r = get(dp, "/work");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).isEqualTo("no healthy upstream");
        assertThat(stat(dp, "cluster.c.upstream_cx_none_healthy")).isEqualTo(1);
        assertThat(a.requests.get() + b.requests.get()).isEqualTo(4); // only the first data plane's
      }
    }
  }

  @Test
  void tcpHealthCheckConnectOnlyAndPayload() throws Exception {
    int dead = Ports.freePort();
    String connectOnly = """
        health_checks:
        - {timeout: 1s, interval: 0.1s, no_traffic_interval: 0.1s, unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: {}}
        """;
    try (TestUpstream a = new TestUpstream("a"); Dataplane dp = start(cluster(connectOnly, a.port(), dead))) {
      assertThat(healthFlags(dp, a.port())).isEqualTo("healthy");
      assertThat(healthFlags(dp, dead)).isEqualTo("/failed_active_hc");
      assertThat(servedBy(dp, 4)).containsOnly("a");
    }
    // "ping" sent, "ping" expected back: the echo server passes; an HTTP server answers something else and times out.
    String payload = """
        health_checks:
        - timeout: 0.5s
          interval: 0.1s
          no_traffic_interval: 0.1s
          unhealthy_threshold: 1
          healthy_threshold: 1
          tcp_health_check: {send: {text: "70696e67"}, receive: [{text: "70696e67"}]}
        """;
    try (TcpEchoServer echo = new TcpEchoServer(); TestUpstream a = new TestUpstream("a");
         Dataplane dp = start(cluster(payload, echo.port(), a.port()))) {
      assertThat(healthFlags(dp, echo.port())).isEqualTo("healthy");
      assertThat(healthFlags(dp, a.port())).isEqualTo("/failed_active_hc");
      await("repeated passes", 5000, () -> stat(dp, "cluster.c.health_check.success") >= 3);
    }
  }

  @Test
  void http2HealthCheck() throws Exception {
    String h2 = HTTP_HC.replace("path: /healthz", "path: /healthz\n    codec_client_type: HTTP2");
    try (H2Upstream up = new H2Upstream(); TestUpstream h1only = new TestUpstream("a");
         Dataplane dp = start(cluster(h2, up.port(), h1only.port()))) {
      assertThat(healthFlags(dp, up.port())).isEqualTo("healthy");
      await("no h2 there", 5000, () -> healthFlags(dp, h1only.port()).equals("/failed_active_hc"));
      await("h2 checks reuse the connection", 5000, () -> up.streams.get() >= 3);
      assertThat(up.connections.get()).isEqualTo(1);
    }
  }
}

package io.wasmplane.dataplane.health;

import static io.wasmplane.dataplane.health.HealthTestSupport.await;
import static io.wasmplane.dataplane.health.HealthTestSupport.cluster;
import static io.wasmplane.dataplane.health.HealthTestSupport.healthFlags;
import static io.wasmplane.dataplane.health.HealthTestSupport.start;
import static io.wasmplane.dataplane.health.HealthTestSupport.stat;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.GrpcHealthUpstream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** grpc_health_check against real grpc-java servers (grpc-services HealthStatusManager); gRPC traffic follows it. */
@Timeout(60)
class GrpcHealthCheckTest {
  private static final String GRPC_HC = """
      http2_protocol_options: {}
      health_checks:
      - timeout: 1s
        interval: 0.1s
        no_traffic_interval: 0.1s
        unhealthy_threshold: 2
        healthy_threshold: 1
        grpc_health_check: {service_name: shop.Cart, authority: cart.internal}
      """;

  private static List<String> whoServed(ManagedChannel ch, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(GrpcHealthUpstream.who(ch));
    }
    return out;
  }

  @Test
  void notServingTakesTheHostOutAndServingBringsItBack() throws Exception {
    try (GrpcHealthUpstream a = new GrpcHealthUpstream("a"); GrpcHealthUpstream b = new GrpcHealthUpstream("b")) {
      a.setStatus("shop.Cart", ServingStatus.SERVING);
      b.setStatus("shop.Cart", ServingStatus.SERVING);
      try (Dataplane dp = start(cluster(GRPC_HC, a.port(), b.port()))) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", dp.port("ingress")).usePlaintext().build();
        try {
          assertThat(healthFlags(dp, a.port())).isEqualTo("healthy");
          assertThat(healthFlags(dp, b.port())).isEqualTo("healthy");
          assertThat(whoServed(ch, 4)).containsExactlyInAnyOrder("a", "a", "b", "b");
          assertThat(b.lastHealthAuthority).isEqualTo("cart.internal");

          // NOT_SERVING is an active failure: out at once, whatever unhealthy_threshold says.
          long networkFailures = stat(dp, "cluster.c.health_check.network_failure");
          b.setStatus("shop.Cart", ServingStatus.NOT_SERVING);
          await("b failed active hc", 5000, () -> healthFlags(dp, b.port()).equals("/failed_active_hc"));
          assertThat(whoServed(ch, 6)).containsOnly("a");
          assertThat(stat(dp, "cluster.c.health_check.healthy")).isEqualTo(1);
          assertThat(stat(dp, "cluster.c.health_check.failure")).isGreaterThanOrEqualTo(1);
          assertThat(stat(dp, "cluster.c.health_check.network_failure")).isEqualTo(networkFailures);

          b.setStatus("shop.Cart", ServingStatus.SERVING);
          await("b healthy again", 5000, () -> healthFlags(dp, b.port()).equals("healthy"));
          assertThat(whoServed(ch, 4)).contains("a", "b");

          // A service the server does not know answers grpc-status NOT_FOUND: a failure too.
          a.health().clearStatus("shop.Cart");
          await("a failed active hc", 5000, () -> healthFlags(dp, a.port()).equals("/failed_active_hc"));
          assertThat(whoServed(ch, 4)).containsOnly("b");
          assertThat(stat(dp, "cluster.c.health_check.success")).isGreaterThanOrEqualTo(3);
        } finally {
          ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    }
  }

  @Test
  void checksShareOneConnectionUnlessReuseConnectionIsOff() throws Exception {
    try (GrpcHealthUpstream a = new GrpcHealthUpstream("a"); GrpcHealthUpstream b = new GrpcHealthUpstream("b")) {
      String reuseOff = GRPC_HC.replace("{service_name: shop.Cart, authority: cart.internal}", "{}")
          .replace("healthy_threshold: 1", "healthy_threshold: 1\n  reuse_connection: false");
      try (Dataplane dp = start(cluster(GRPC_HC.replace("{service_name: shop.Cart, authority: cart.internal}", "{}"), a.port()))) {
        await("a checked 4 times", 5000, () -> a.healthChecks.get() >= 4);
        assertThat(a.connections.get()).isEqualTo(1);
      }
      try (Dataplane dp = start(cluster(reuseOff, b.port()))) {
        await("b checked 4 times", 5000, () -> b.healthChecks.get() >= 4);
        assertThat(b.connections.get()).isGreaterThanOrEqualTo(3);
        assertThat(healthFlags(dp, b.port())).isEqualTo("healthy");
        assertThat(stat(dp, "cluster.c.health_check.failure")).isZero();
      }
    }
  }

  @Test
  void aStoppedServerIsANetworkFailure() throws Exception {
    try (GrpcHealthUpstream a = new GrpcHealthUpstream("a"); GrpcHealthUpstream b = new GrpcHealthUpstream("b");
         Dataplane dp = start(cluster(GRPC_HC.replace("{service_name: shop.Cart, authority: cart.internal}", "{}"), a.port(), b.port()))) {
      // The empty service name asks about the whole server, SERVING by default; the authority defaults to the cluster name.
      int bPort = b.port();
      assertThat(healthFlags(dp, bPort)).isEqualTo("healthy");
      assertThat(b.lastHealthAuthority).isEqualTo("c");
      b.close();
      await("b failed after network failures", 5000, () -> healthFlags(dp, bPort).equals("/failed_active_hc"));
      assertThat(stat(dp, "cluster.c.health_check.network_failure")).isGreaterThanOrEqualTo(2);
      assertThat(healthFlags(dp, a.port())).isEqualTo("healthy");
    }
  }
}

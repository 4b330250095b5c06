package io.wasmplane.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.controlplane.ControlPlane;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our control-plane-stub serves what Istio generates for locality failover (a DestinationRule with localityLbSetting and
 * outlierDetection): an EDS cluster with outlier detection and one locality per priority. The P0 locality serves; its
 * host answering 5xx is ejected and the traffic fails over to P1; an edit of the rollout file that swaps the
 * localities' priorities keeps it there once the ejected host is back.
 */
@Timeout(60)
class ControlPlaneStubPriorityTest {
  @TempDir
  Path dir;
  private final HttpClient client = Http.h1();

  private static String rollout(int near, int far) {
    return StubRollouts.rdsListener("l1", 0) + """
        routes:
          - name: r1
            virtualHosts: [{ name: all, domains: ["*"], routes: [{ match: { prefix: / }, route: { cluster: c1 } }] }]
        clusters:
          - name: c1
            type: EDS
            connectTimeout: 1s
            edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: V3 } }
            outlierDetection: { consecutive5xx: 2, interval: 0.2s, baseEjectionTime: 2s, maxEjectionPercent: 100 }
            commonLbConfig: { healthyPanicThreshold: { value: 0 } }
        endpoints:
          - clusterName: c1
            endpoints:
              - locality: { region: r1, zone: near }
                loadBalancingWeight: 1
                lbEndpoints: [{ endpoint: { address: { socketAddress: { address: 127.0.0.1, portValue: %d } } } }]
              - locality: { region: r1, zone: far }
                loadBalancingWeight: 1
                priority: 1
                lbEndpoints: [{ endpoint: { address: { socketAddress: { address: 127.0.0.1, portValue: %d } } } }]
        """.formatted(near, far);
  }

  @Test
  void stubServedLocalityFailover() throws Exception {
    Path file = dir.resolve("rollout.yaml");
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b")) {
      Files.writeString(file, rollout(a.port(), b.port()));
      try (ControlPlane stub = ControlPlane.start(new ControlPlane.Options(file, 0, 0));
          Dataplane dp = Dataplane.start(BootstrapLoader.fromText(Resources.bootstrap("dp-1", "default", stub.xdsPort(), "GRPC"), "t"),
              Dataplane.Options.defaults().withConcurrency(1).withDrainTime(Duration.ofSeconds(1)))) {
        await("P0 serves", () -> servedBy(dp, 1).contains("a"));
        assertThat(servedBy(dp, 6)).containsOnly("a");

        a.forceStatus.set(503);
        servedBy(dp, 2); // two 5xx in a row: a is ejected
        await("a ejected", () -> Http.get(client, "http://127.0.0.1:" + dp.adminPort() + "/clusters").body()
            .contains("c1::127.0.0.1:" + a.port() + "::health_flags::/failed_outlier_check"));
        assertThat(servedBy(dp, 6)).containsOnly("b");

        // The control plane swaps the localities' priorities; a recovers (its ejection ends) at P1, where a fully
        // healthy P0 (b) leaves it no traffic.
        a.forceStatus.set(0);
        Files.writeString(file, rollout(b.port(), a.port()));
        await("a back, at P1", () -> {
          String clusters = Http.get(client, "http://127.0.0.1:" + dp.adminPort() + "/clusters").body();
          return clusters.contains("c1::127.0.0.1:" + a.port() + "::priority::1")
              && clusters.contains("c1::127.0.0.1:" + a.port() + "::health_flags::healthy");
        });
        assertThat(servedBy(dp, 6)).containsOnly("b");
      }
    }
  }

  private List<String> servedBy(Dataplane dp, int n) throws Exception {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Http.get(client, "http://127.0.0.1:" + dp.port("l1") + "/").headers().firstValue("x-upstream-name").orElse("none"));
    }
    return out;
  }

  private static void await(String what, java.util.concurrent.Callable<Boolean> c) throws Exception {
    for (int i = 0; i < 400; i++) {
      try {
        if (Boolean.TRUE.equals(c.call())) {
          return;
        }
      } catch (Exception notYet) {
        // the listener is not bound yet
      }
      Thread.sleep(25);
    }
    throw new AssertionError("timed out waiting for " + what);
  }
}

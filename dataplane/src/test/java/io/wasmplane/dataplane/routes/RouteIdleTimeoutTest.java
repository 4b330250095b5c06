package io.wasmplane.dataplane.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** RouteAction.idle_timeout replaces the HCM's stream_idle_timeout for its route: 408 with flag SI, or no limit at 0s. */
@Timeout(60)
class RouteIdleTimeoutTest {
  /** The upstream's /slow/{ms} answers after {ms}; each route rewrites its prefix to it. */
  private static final String ROUTES = """
      - name: all
        domains: ["*"]
        routes:
        - match: {prefix: "/short/"}
          route: {cluster: c, prefix_rewrite: "/slow/", idle_timeout: 0.2s}
        - match: {prefix: "/off/"}
          route: {cluster: c, prefix_rewrite: "/slow/", idle_timeout: 0s}
        - match: {prefix: "/"}
          route: {cluster: c}
      """;

  @Test
  void routeIdleTimeoutOverridesTheStreamIdleTimeout() throws Exception {
    Path log = Files.createTempFile("route-idle", ".log");
    try (TestUpstream up = new TestUpstream("c");
         Dataplane dp = Bootstraps.start(Bootstraps.bootstrap(ROUTES, "stream_idle_timeout: 2s",
             Bootstraps.staticCluster("c", up.port(), null), log, null))) {
      int port = dp.port("ingress");
      // The HCM's 2s lets a 1s upstream answer; the route's 0.2s does not.
      assertThat(RawResponse.get(port, "h", "/slow/1000").status()).isEqualTo(200);
      RawResponse cut = RawResponse.get(port, "h", "/short/1000");
      assertThat(cut.status()).isEqualTo(408);
      assertThat(cut.body()).isEqualTo("stream timeout");
      // 0s turns the idle timeout off for the route: a 2.5s upstream outlives the HCM's 2s.
      assertThat(RawResponse.get(port, "h", "/off/2500").status()).isEqualTo(200);

      assertThat(dp.server().stats().snapshot().counter("http.ingress_http.downstream_rq_idle_timeout")).isEqualTo(1);
      for (int i = 0; i < 50 && Files.readAllLines(log).stream().noneMatch(l -> l.contains(" 408 SI ")); i++) {
        Thread.sleep(50);
        dp.server().flushAccessLogs();
      }
      assertThat(Files.readAllLines(log)).anyMatch(l -> l.contains("/short/1000") && l.contains(" 408 SI "));
    } finally {
      Files.deleteIfExists(log);
    }
  }
}

package io.wasmplane.dataplane.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.FaultConfig;
import io.wasmplane.dataplane.testing.AccessLogFiles;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A static cluster's load_assignment.policy.drop_overloads: that share of its requests is answered 503 "drop overload"
 * (flag DO, x-envoy-drop-overload: true) before a host is picked and counted as upstream_rq_drop_overload; 0 % drops
 * none; Envoy's limits on the field are startup errors.
 */
@Timeout(60)
class DropOverloadTest {
  private final HttpClient client = Http.h1();
  @TempDir
  Path dir;

  private static String cluster(int port, String policy) {
    return """
          - name: c
            connect_timeout: 1s
            type: STATIC
            load_assignment:
              cluster_name: c
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]
              policy: %s
        """.formatted(port, policy);
  }

  private String bootstrap(int port, String policy, Path log) {
    return Bootstraps.bootstrap(Bootstraps.ALL_TO_C, null, cluster(port, policy), log, null);
  }

  private static long stat(HttpClient client, Dataplane dp, String name) throws Exception {
    String body = Http.get(client, "http://127.0.0.1:" + dp.adminPort() + "/stats").body();
    return body.lines().filter(l -> l.startsWith(name + ": ")).mapToLong(l -> Long.parseLong(l.substring(name.length() + 2)))
        .findFirst().orElse(-1);
  }

  @Test
  void everythingDroppedAt100PercentWith503AndDoInTheAccessLog() throws Exception {
    Path log = dir.resolve("access.log");
    try (TestUpstream up = new TestUpstream("c");
         Dataplane dp = Bootstraps.start(bootstrap(up.port(), "{drop_overloads: [{category: throttle, drop_percentage: {numerator: 100}}]}",
             log))) {
      String url = "http://127.0.0.1:" + dp.port("ingress") + "/x";
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> r = Http.get(client, url);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).isEqualTo("drop overload");
        assertThat(r.headers().firstValue("x-envoy-drop-overload")).hasValue("true");
      }
      assertThat(up.requests.get()).isZero();
      assertThat(AccessLogFiles.awaitLines(dp, log, 20)).hasSize(20).allSatisfy(l -> assertThat(l).contains("\"GET /x HTTP/1.1\" 503 DO "));
      assertThat(stat(client, dp, "cluster.c.upstream_rq_drop_overload")).isEqualTo(20);
      assertThat(stat(client, dp, "cluster.c.upstream_rq_503")).isEqualTo(20);
    }
  }

  @Test
  void zeroPercentDropsNothingAndHalfDropsAboutHalf() throws Exception {
    try (TestUpstream up = new TestUpstream("c");
         Dataplane none = Bootstraps.start(bootstrap(up.port(), "{drop_overloads: [{category: lb, drop_percentage: {numerator: 0}}]}",
             dir.resolve("none.log")))) {
      for (int i = 0; i < 20; i++) {
        assertThat(Http.get(client, "http://127.0.0.1:" + none.port("ingress") + "/").statusCode()).isEqualTo(200);
      }
      assertThat(stat(client, none, "cluster.c.upstream_rq_drop_overload")).isEqualTo(-1); // never dropped: not even listed
    }
    try (TestUpstream up = new TestUpstream("c");
         Dataplane half = Bootstraps.start(bootstrap(up.port(),
             "{drop_overloads: [{category: lb, drop_percentage: {numerator: 500000, denominator: MILLION}}]}", dir.resolve("half.log")))) {
      int dropped = 0;
      int n = 200;
      for (int i = 0; i < n; i++) {
        HttpResponse<String> r = Http.get(client, "http://127.0.0.1:" + half.port("ingress") + "/");
        dropped += r.statusCode() == 503 ? 1 : 0;
      }
      // Binomial(200, 0.5): sd 7.1; 60..140 is 5.6 sd either way (a false failure about once in 10^8 runs).
      assertThat(dropped).isBetween(60, 140);
      assertThat(up.requests.get()).isEqualTo(n - dropped);
      assertThat(stat(client, half, "cluster.c.upstream_rq_drop_overload")).isEqualTo(dropped);
    }
  }

  private static ClusterConfig translate(String policy) {
    return BootstrapTranslator.translate(BootstrapLoader.fromText(Bootstraps.bootstrap(Bootstraps.ALL_TO_C, null, cluster(8080, policy),
        Path.of("/dev/null"), null), "test"), Optional.empty(), Optional.empty()).clusters().get(0);
  }

  @Test
  void parsedOnceWithEnvoysRules() {
    assertThat(translate("{drop_overloads: [{category: lb, drop_percentage: {numerator: 25, denominator: TEN_THOUSAND}}]}")
        .dropOverload()).isEqualTo(new ClusterConfig.DropOverload("lb", new FaultConfig.Percent(25, 10_000)));
    assertThat(translate("{overprovisioning_factor: 200}").dropOverload()).isEqualTo(ClusterConfig.DropOverload.NONE);
    // A numerator above its denominator drops everything (Envoy clamps the share to 1).
    assertThat(translate("{drop_overloads: [{category: lb, drop_percentage: {numerator: 300}}]}").dropOverload().drops()).isTrue();
    assertThatThrownBy(() -> translate("{drop_overloads: [{category: a, drop_percentage: {numerator: 1}}, "
        + "{category: b, drop_percentage: {numerator: 1}}]}")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster c.load_assignment.policy.drop_overloads: 2 categories, only one is supported");
    assertThatThrownBy(() -> translate("{drop_overloads: [{drop_percentage: {numerator: 1}}]}")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster c.load_assignment.policy.drop_overloads[0].category: must not be empty");
    assertThat(ClusterConfig.DropOverload.NONE.drops()).isFalse();
  }
}

package io.wasmplane.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.DataplaneConfig;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The run-time update hooks xDS will drive: swap a listener's routes, replace a cluster, with the socket kept. */
@Timeout(60)
class ConfigSwapTest {
  private static String yaml(String clusterName, int port, String directBody) {
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/direct"}
            direct_response: {status: 200, body: {inline_string: "%s"}}
          - match: {prefix: "/"}
            route: {cluster: %s}
        """.formatted(directBody, clusterName);
    return Bootstraps.bootstrap(routes, null, Bootstraps.staticCluster(clusterName, port, null), Path.of("/dev/null"), null);
  }

  private static DataplaneConfig translate(String yaml) {
    return BootstrapTranslator.translate(BootstrapLoader.fromText(yaml, "update"), Optional.empty(), Optional.empty());
  }

  @Test
  void newStreamsUseTheNewConfigWhileRunningStreamsFinishOnTheOld() throws Exception {
    try (TestUpstream a = new TestUpstream("a"); TestUpstream b = new TestUpstream("b");
         Dataplane dp = Bootstraps.start(yaml("c", a.port(), "v1"))) {
      HttpClient client = Http.h1();
      String base = "http://127.0.0.1:" + dp.port("ingress");
      assertThat(Http.get(client, base + "/direct").body()).isEqualTo("v1");
      CompletableFuture<HttpResponse<String>> running = client.sendAsync(
          HttpRequest.newBuilder(URI.create(base + "/slow/500")).build(), HttpResponse.BodyHandlers.ofString());
      for (int i = 0; i < 100 && a.requests.get() < 1; i++) {
        Thread.sleep(10);
      }
      // Cluster c now points at b, and the listener's routes change, without unbinding the socket.
      DataplaneConfig next = translate(yaml("c", b.port(), "v2"));
      dp.server().clusters().addOrUpdate(next.cluster("c").orElseThrow());
      dp.server().updateListener(next.listeners().get(0));
      assertThat(Http.get(client, base + "/direct").body()).isEqualTo("v2");
      assertThat(Http.get(client, base + "/x").headers().firstValue("x-upstream-name")).hasValue("b");
      HttpResponse<String> old = running.get();
      assertThat(old.statusCode()).isEqualTo(200);
      assertThat(old.headers().firstValue("x-upstream-name")).hasValue("a");
      // An identical cluster config keeps the running cluster object.
      var before = dp.server().clusters().get("c");
      dp.server().clusters().addOrUpdate(translate(yaml("c", b.port(), "v2")).cluster("c").orElseThrow());
      assertThat(dp.server().clusters().get("c")).isSameAs(before);
    }
  }
}

package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.counter;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wasmplane.controlplane.ControlPlane;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our control-plane-stub (as a library) drives the data plane: listener, route, cluster and endpoints over ADS, and
 * the as_headers plugin over ECDS with remote code fetched from the stub's module server; edits of the rollout file
 * swap the plugin config, and a config the plugin refuses (on_configure false) is NACKed while the last keeps serving;
 * state-of-the-world and delta (ECDS over delta ADS included).
 */
class ControlPlaneStubEcdsTest {
  @TempDir
  Path dir;

  private String rollout(int listenerPort, int upstreamPort, String pluginConfig) {
    return """
        moduleServer: { cluster: wasm_modules, timeout: 5s, numRetries: 2 }
        plugins:
          - name: demo_headers
            type: HTTP
            rootId: as_headers
            vmId: demo
            version: v1
            module: %s
            pluginConfig: "%s"
        """.formatted(EcdsWasmFilterTest.PLUGIN, pluginConfig) + StubRollouts.rdsListener("l1", listenerPort) + """
        routes:
          - name: r1
            virtualHosts: [{ name: all, domains: ["*"], routes: [{ match: { prefix: / }, route: { cluster: c1 } }] }]
        clusters:
          - name: c1
            type: EDS
            connectTimeout: 1s
            edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: V3 } }
        endpoints:
          - clusterName: c1
            endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: 127.0.0.1, portValue: %d } } } }] }]
        """.formatted(upstreamPort);
  }

  @ParameterizedTest
  @ValueSource(strings = {"GRPC", "DELTA_GRPC"})
  void stubDrivesListenersAndAWasmFilterOverEcds(String apiType) throws Exception {
    int port = 0; // the listener binds an ephemeral port; stamp() reads it from the data plane
    Path file = dir.resolve("rollout.yaml");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (TestUpstream up = new TestUpstream("a")) {
      Files.writeString(file, rollout(port, up.port(), "stamp=v1"));
      try (ControlPlane stub = ControlPlane.start(new ControlPlane.Options(file, 0, 0));
          Dataplane dp = Resources.startDataplane("dp-1", stub.xdsPort(), apiType)) {
        await("the plugin from the stub", () -> "v1".equals(stamp(http, dp)));

        Files.writeString(file, rollout(port, up.port(), "stamp=v2"));
        await("the edit swaps the plugin config", () -> "v2".equals(stamp(http, dp)));

        Files.writeString(file, rollout(port, up.port(), "nostamp=1"));
        await("the refused config is NACKed", () -> counter(dp, "extension_config_discovery.http_filter.demo_headers.config_fail") >= 1);
        // The counter moves before the NACK is on the wire: wait for the stub to have it.
        await("the stub shows the NACK", () -> status(http, stub).contains("on_configure"));
        org.assertj.core.api.Assertions.assertThat(status(http, stub)).contains("demo_headers");
        for (int i = 0; i < 3; i++) {
          assertEquals("v2", stamp(http, dp), "the last good plugin config keeps serving");
        }
      }
    }
  }

  @Test
  void anUpdateWhoseCodeCannotBeFetchedIsNackedAndTheServingVersionStays() throws Exception {
    int port = 0; // the listener binds an ephemeral port; stamp() reads it from the data plane
    Path file = dir.resolve("rollout.yaml");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (TestUpstream up = new TestUpstream("a")) {
      Files.writeString(file, rollout(port, up.port(), "stamp=v1"));
      try (ControlPlane stub = ControlPlane.start(new ControlPlane.Options(file, 0, 0));
          Dataplane dp = Resources.startDataplane("dp-1", stub.xdsPort(), "GRPC")) {
        await("the plugin from the stub", () -> "v1".equals(stamp(http, dp)));
        // New code the module server does not have (404): the update must not replace the serving plugin.
        String missing = "0".repeat(64);
        Files.writeString(file, rollout(port, up.port(), "stamp=v2").replace("module: " + EcdsWasmFilterTest.PLUGIN,
            "module: \"http://127.0.0.1:" + stub.httpPort() + "/modules/" + missing + ".wasm\"\n    sha256: \"" + missing + "\""));
        await("the unfetchable update is NACKed",
            () -> counter(dp, "extension_config_discovery.http_filter.demo_headers.config_fail") >= 1);
        await("the stub shows the NACK", () -> status(http, stub).contains("HTTP status 404"));
        org.assertj.core.api.Assertions.assertThat(status(http, stub)).contains(missing);
        for (int i = 0; i < 3; i++) {
          assertEquals("v1", stamp(http, dp), "the serving plugin keeps serving");
        }
      }
    }
  }

  private static String status(HttpClient http, ControlPlane stub) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stub.httpPort() + "/status")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  private static String stamp(HttpClient http, Dataplane dp) {
    try {
      int port = dp.port("l1"); // throws until LDS has bound the listener
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.headers().firstValue("x-as-stamp").orElse("none") : "status " + r.statusCode();
    } catch (Exception e) {
      return null;
    }
  }
}

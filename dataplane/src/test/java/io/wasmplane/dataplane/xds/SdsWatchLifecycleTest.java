package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wasmplane.controlplane.ControlPlane;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SDS watches live as long as something refers to the secret: two LDS listeners share the certificate secret
 * {@code default}; removing one keeps it, removing the last cancels the watch, so the secret leaves /config_dump's
 * {@code dynamic_active_secrets} (the xds-client forgets an unsubscribed resource). A listener that names it again
 * subscribes again and serves with it. SotW and delta ADS through the control-plane-stub.
 */
@Timeout(120)
class SdsWatchLifecycleTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private static String listener(String name, int port) {
    return """
          - name: %s
            address: { socketAddress: { address: 127.0.0.1, portValue: %d } }
            filterChains:
              - transportSocket:
                  name: envoy.transport_sockets.tls
                  typedConfig:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                    commonTlsContext:
                      tlsCertificateSdsSecretConfigs: [{ name: default, sdsConfig: { ads: {}, resourceApiVersion: V3 } }]
                filters:
                  - name: envoy.filters.network.http_connection_manager
                    typedConfig:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      statPrefix: %s
                      routeConfig:
                        virtualHosts: [{ name: all, domains: ["*"], routes: [{ match: { prefix: / }, directResponse: { status: 200 } }] }]
                      httpFilters:
                        - name: envoy.filters.http.router
                          typedConfig: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
        """.formatted(name, port, name);
  }

  private static String rollout(TestPki pki, String listeners) throws Exception {
    return "listeners:" + (listeners.isEmpty() ? " []\n" : "\n" + listeners) + """
        secrets:
          - name: default
            tlsCertificate: { certificateChain: { inlineString: %s }, privateKey: { inlineString: %s } }
        """.formatted(JSON.writeValueAsString(Files.readString(pki.serverCert())), JSON.writeValueAsString(Files.readString(pki.serverKey())));
  }

  @ParameterizedTest
  @ValueSource(strings = {"GRPC", "DELTA_GRPC"})
  void theWatchIsDroppedWithItsLastUser(String apiType) throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    int p1 = Ports.freePort();
    int p2 = Ports.freePort();
    Path file = dir.resolve("rollout.yaml");
    Files.writeString(file, rollout(pki, listener("l1", p1) + listener("l2", p2)));
    try (ControlPlane stub = ControlPlane.start(new ControlPlane.Options(file, 0, 0));
        Dataplane dp = Resources.startDataplane(Resources.bootstrap("dp-1", "default", stub.xdsPort(), apiType), Duration.ofMillis(200))) {
      await("both listeners serve with the SDS certificate", () -> serves(pki, p1) && serves(pki, p2));
      assertThat(activeSecrets(dp)).containsExactly("default");

      Files.writeString(file, rollout(pki, listener("l2", p2)));
      await("l1 is gone", () -> !serves(pki, p1));
      assertThat(activeSecrets(dp)).as("l2 still uses it").containsExactly("default");
      assertThat(serves(pki, p2)).isTrue();

      Files.writeString(file, rollout(pki, ""));
      await("the last user gone, the secret is unsubscribed and forgotten", () -> activeSecrets(dp).isEmpty());

      Files.writeString(file, rollout(pki, listener("l1", p1)));
      await("a new user subscribes again", () -> serves(pki, p1));
      assertThat(activeSecrets(dp)).containsExactly("default");
    }
  }

  private static boolean serves(TestPki pki, int port) {
    try {
      return Http.get(Http.mtls(pki.caCert(), null, null), "https://127.0.0.1:" + port + "/").statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  private static List<String> activeSecrets(Dataplane dp) throws Exception {
    JsonNode dump = JSON.readTree(Http.get(Http.h1(), "http://127.0.0.1:" + dp.adminPort() + "/config_dump").body());
    List<String> names = new ArrayList<>();
    for (JsonNode section : dump.findValues("dynamic_active_secrets")) {
      section.forEach(s -> names.add(s.path("name").asText()));
    }
    return names;
  }
}

package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.wasmplane.controlplane.ControlPlane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.SecretRef;
import io.wasmplane.dataplane.config.SecretSpec;
import io.wasmplane.dataplane.config.TlsMaterial;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.dataplane.tls.SecretStore;
import io.wasmplane.xds.EnvoyBootstrapConfigs;
import io.wasmplane.xds.XdsClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code generic_secret} over SDS (real gRPC, the control-plane-stub) is accepted and stored, not NACKed: no filter
 * here uses one yet, so the subscription is made the way a TLS context's is ({@link DynamicSecrets}) and the secret's
 * bytes are read back from the {@link SecretStore}; an update replaces them.
 */
@Timeout(60)
class GenericSecretOverSdsTest {
  @TempDir
  Path dir;

  private static String rollout(String token) {
    return """
        secrets:
          - name: token
            genericSecret: { secret: { inlineString: "%s" } }
        """.formatted(token);
  }

  @Test
  void aGenericSecretIsAcceptedAndStored() throws Exception {
    Path file = dir.resolve("rollout.yaml");
    Files.writeString(file, rollout("s3cr3t-1"));
    try (ControlPlane stub = ControlPlane.start(new ControlPlane.Options(file, 0, 0))) {
      Bootstrap b = BootstrapLoader.fromText(Resources.bootstrap("dp-1", "default", stub.xdsPort(), "GRPC"), "t");
      SecretStore store = new SecretStore(Map.of());
      try (XdsClient client = XdsClient.create(EnvoyBootstrapConfigs.fromBootstrap(b, "test", "0").build(), new XdsStatsBridge(new StatsRegistry()))) {
        DynamicSecrets secrets = new DynamicSecrets(client, store, () -> { });
        TlsMaterial uses = new TlsMaterial(List.of(), List.of(), Optional.empty(),
            Optional.of(new SecretRef("token", Optional.of(Resources.ads()))));
        client.executor().execute(() -> secrets.expect(uses, "test"));
        await("the generic secret arrives", () -> value(store).equals("s3cr3t-1"));
        assertThat(store.dynamicSecret("token").map(SecretSpec::kind)).contains("generic_secret");

        Files.writeString(file, rollout("s3cr3t-2"));
        await("an update replaces it", () -> value(store).equals("s3cr3t-2"));
        String status = Resources.stubStatus(stub);
        assertThat(status).as("never NACKed").doesNotContain("token");
      }
    }
  }

  private static String value(SecretStore store) {
    return store.dynamicSecret("token").flatMap(SecretSpec::genericSecret).map(v -> new String(v, StandardCharsets.UTF_8)).orElse("");
  }
}

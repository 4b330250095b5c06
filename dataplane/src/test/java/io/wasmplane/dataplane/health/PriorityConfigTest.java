package io.wasmplane.dataplane.health;

import static io.wasmplane.dataplane.health.HealthTestSupport.clusterWithPriorities;
import static io.wasmplane.dataplane.health.HealthTestSupport.withLoadAssignmentPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Bootstraps;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** load_assignment priorities and policy: what is kept, Envoy's default factor, and clear errors for the rest. */
class PriorityConfigTest {

  private static ClusterConfig translate(String clusterYaml) {
    String yaml = Bootstraps.bootstrap(HealthTestSupport.ROUTES, null, clusterYaml, Path.of("/dev/null"), null);
    return BootstrapTranslator.translate(BootstrapLoader.fromText(yaml, "test"), Optional.empty(), Optional.empty()).clusters().get(0);
  }

  private static String withPolicy(String policy) {
    return withLoadAssignmentPolicy(clusterWithPriorities("", new int[] {8080}, new int[] {8081}), policy);
  }

  @Test
  void prioritiesAndOverprovisioningFactorAreKept() {
    ClusterConfig c = translate(clusterWithPriorities("", new int[] {8080, 8081}, new int[] {8082}));
    assertThat(c.endpoints()).extracting(ClusterConfig.EndpointAddress::priority).containsExactly(0, 0, 1);
    assertThat(c.overprovisioningFactor()).isEqualTo(140);
    assertThat(translate(withPolicy("{overprovisioning_factor: 250}")).overprovisioningFactor()).isEqualTo(250);
  }

  @Test
  void outOfRangeValuesAndPolicyFieldsNotImplementedAreRefusedNamingTheField() {
    assertThatThrownBy(() -> translate(withPolicy("{overprovisioning_factor: 0}"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster c.load_assignment.policy.overprovisioning_factor: must be greater than 0");
    assertThatThrownBy(() -> translate(clusterWithPriorities("", new int[] {8080}).replace("priority: 0", "priority: 129"))).isInstanceOf(
        ConfigException.class).hasMessageContaining("cluster c.load_assignment.endpoints.priority: 129 is above 128");
    assertThatThrownBy(() -> translate(withPolicy("{endpoint_stale_after: 5s}"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster c.load_assignment.policy").hasMessageContaining("endpoint_stale_after");
  }
}

package io.wasmplane.dataplane.health;

import static io.wasmplane.dataplane.health.LocalityWeightedLbTest.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.health.LocalityWeightedLbTest.Zone;
import io.wasmplane.dataplane.testing.Bootstraps;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * common_lb_config.locality_weighted_lb_config and the localities' load_balancing_weight are read once into the
 * cluster's config; weights Envoy's validation refuses are startup errors naming the cluster, the field and the cause.
 */
class LocalityLbConfigTest {
  private static final String WEIGHTED = "common_lb_config: {locality_weighted_lb_config: {}}";

  private static ClusterConfig translate(String clusterYaml) {
    String yaml = Bootstraps.bootstrap(HealthTestSupport.ROUTES, null, clusterYaml, Path.of("/dev/null"), null);
    return BootstrapTranslator.translate(BootstrapLoader.fromText(yaml, "test"), Optional.empty(), Optional.empty()).clusters().get(0);
  }

  @Test
  void theConfigAndEachLocalitysWeightAreKeptWithUnsetWeightsAsZero() {
    ClusterConfig c = translate(cluster("ROUND_ROBIN",
        "common_lb_config: {locality_weighted_lb_config: {}, healthy_panic_threshold: {value: 30}}", Zone.of("x", 2, 8080, 8081), Zone.unweighted("y", 8082)));
    assertThat(c.localityWeightedLb()).isTrue();
    assertThat(c.health().panicThresholdPercent()).isEqualTo(30);
    assertThat(c.endpoints()).extracting(ClusterConfig.EndpointAddress::locality).containsExactly(
        new ClusterConfig.Locality("r", "x", "", 2), new ClusterConfig.Locality("r", "x", "", 2), new ClusterConfig.Locality("r", "y", "", 0));
    assertThat(translate(cluster("ROUND_ROBIN", "", Zone.of("x", 2, 8080))).localityWeightedLb()).isFalse();
  }

  @Test
  void acceptedWithPrioritiesAndHashingPolicies() {
    String prioritized = HealthTestSupport.clusterWithPriorities(WEIGHTED, new int[] {8080}, new int[] {8081})
        .replace("- priority: 0", "- priority: 0\n        load_balancing_weight: 3").replace("- priority: 1", "- priority: 1\n        load_balancing_weight: 1");
    ClusterConfig c = translate(prioritized);
    assertThat(c.endpoints()).extracting(e -> e.priority() + ":" + e.locality().weight()).containsExactly("0:3", "1:1");
    for (String policy : new String[] {"RING_HASH", "MAGLEV", "RANDOM", "LEAST_REQUEST"}) {
      assertThat(translate(cluster(policy, WEIGHTED, Zone.of("x", 1, 8080), Zone.of("y", 4, 8081))).localityWeightedLb()).isTrue();
    }
  }

  @Test
  void weightsEnvoyRefusesAreRefusedNamingTheField() {
    assertThatThrownBy(() -> translate(cluster("ROUND_ROBIN", WEIGHTED, Zone.of("x", 0, 8080)))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster c.load_assignment.endpoints.load_balancing_weight: must be at least 1").hasMessageContaining("'r/x/'");
    // The weights of one priority's localities must fit in a uint32 together (Envoy); across priorities they need not.
    assertThatThrownBy(() -> translate(cluster("ROUND_ROBIN", WEIGHTED, Zone.of("x", 4294967295L, 8080), Zone.of("y", 1, 8081))))
        .isInstanceOf(ConfigException.class).hasMessageContaining(
            "cluster c.load_assignment.endpoints.load_balancing_weight: the locality weights of priority 0 add up to 4294967296, more than 4294967295");
    String twoPriorities = HealthTestSupport.clusterWithPriorities(WEIGHTED, new int[] {8080}, new int[] {8081})
        .replace("- priority: 0", "- priority: 0\n        load_balancing_weight: 4294967295")
        .replace("- priority: 1", "- priority: 1\n        load_balancing_weight: 4294967295");
    assertThat(translate(twoPriorities).endpoints()).extracting(e -> e.locality().weight()).containsExactly(4294967295L, 4294967295L);
  }

  @Test
  void zoneAwareRoutingIsStillRefused() {
    assertThatThrownBy(() -> translate(cluster("ROUND_ROBIN", "common_lb_config: {zone_aware_lb_config: {min_cluster_size: 3}}",
        Zone.of("x", 1, 8080)))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster c.common_lb_config: unsupported field(s) [zone_aware_lb_config]");
  }
}

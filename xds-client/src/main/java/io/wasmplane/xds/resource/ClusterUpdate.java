package io.wasmplane.xds.resource;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import java.util.Optional;

/**
 * A validated Cluster.
 *
 * @param edsServiceName for EDS clusters the EDS resource name to subscribe to (service_name, or the cluster name)
 */
public record ClusterUpdate(String name, Cluster proto, Cluster.DiscoveryType discoveryType,
    Optional<String> edsServiceName) implements XdsResource {

  /** For EDS clusters, where the endpoints come from ({@code eds_cluster_config.eds_config}). */
  public Optional<ConfigSource> edsConfigSource() {
    return edsServiceName.map(n -> proto.getEdsClusterConfig().getEdsConfig());
  }
}

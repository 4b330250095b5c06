package io.wasmplane.xds.resource;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.Optional;

/** CDS: {@code envoy.config.cluster.v3.Cluster}. */
public final class ClusterResource extends ResourceType<Cluster, ClusterUpdate> {
  public static final String TYPE_URL = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  public static final ClusterResource INSTANCE = new ClusterResource();

  private ClusterResource() {
    super(TYPE_URL, "cds", Cluster.class, true);
  }

  @Override
  protected String nameOf(Cluster message) {
    return message.getName();
  }

  @Override
  protected ClusterUpdate validate(String name, Cluster cluster) throws ResourceInvalidException {
    if (cluster.hasConnectTimeout()
        && (cluster.getConnectTimeout().getSeconds() < 0 || cluster.getConnectTimeout().getNanos() < 0)) {
      throw new ResourceInvalidException("connect_timeout is negative");
    }
    if (cluster.getClusterDiscoveryTypeCase() == Cluster.ClusterDiscoveryTypeCase.CLUSTER_TYPE) {
      return new ClusterUpdate(name, cluster, Cluster.DiscoveryType.UNRECOGNIZED, Optional.empty());
    }
    Cluster.DiscoveryType type = cluster.getType();
    switch (type) {
      case EDS -> {
        if (!cluster.hasEdsClusterConfig()) {
          throw new ResourceInvalidException("type EDS requires eds_cluster_config");
        }
        if (!cluster.getEdsClusterConfig().hasEdsConfig()) {
          throw new ResourceInvalidException("eds_cluster_config.eds_config is required");
        }
        String service = cluster.getEdsClusterConfig().getServiceName();
        return new ClusterUpdate(name, cluster, type, Optional.of(service.isEmpty() ? name : service));
      }
      case STATIC, STRICT_DNS, LOGICAL_DNS -> {
        if (!cluster.hasLoadAssignment()) {
          throw new ResourceInvalidException("type " + type + " requires load_assignment");
        }
        EndpointResource.validateEndpoints(cluster.getLoadAssignment(), "load_assignment.");
        return new ClusterUpdate(name, cluster, type, Optional.empty());
      }
      case ORIGINAL_DST -> {
        return new ClusterUpdate(name, cluster, type, Optional.empty());
      }
      default -> throw new ResourceInvalidException("unknown cluster discovery type " + cluster.getTypeValue());
    }
  }
}

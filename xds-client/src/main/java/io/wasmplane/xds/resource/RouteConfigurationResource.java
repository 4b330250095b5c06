package io.wasmplane.xds.resource;

import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;

/** RDS: {@code envoy.config.route.v3.RouteConfiguration}. */
public final class RouteConfigurationResource extends ResourceType<RouteConfiguration, RouteConfigurationUpdate> {
  public static final String TYPE_URL = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  public static final RouteConfigurationResource INSTANCE = new RouteConfigurationResource();

  private RouteConfigurationResource() {
    super(TYPE_URL, "rds", RouteConfiguration.class, false);
  }

  @Override
  protected String nameOf(RouteConfiguration message) {
    return message.getName();
  }

  @Override
  protected RouteConfigurationUpdate validate(String name, RouteConfiguration rc) throws ResourceInvalidException {
    Set<String> clusters = new LinkedHashSet<>();
    Set<String> vhostNames = new HashSet<>();
    for (int v = 0; v < rc.getVirtualHostsCount(); v++) {
      VirtualHost vh = rc.getVirtualHosts(v);
      String at = "virtual_hosts[" + v + "]";
      if (vh.getName().isEmpty()) {
        throw new ResourceInvalidException(at + ": name is required");
      }
      if (!vhostNames.add(vh.getName())) {
        throw new ResourceInvalidException(at + ": duplicate virtual host name '" + vh.getName() + "'");
      }
      if (vh.getDomainsCount() == 0) {
        throw new ResourceInvalidException(at + " '" + vh.getName() + "': domains is empty");
      }
      for (int r = 0; r < vh.getRoutesCount(); r++) {
        validateRoute(at + " '" + vh.getName() + "'.routes[" + r + "]", vh.getRoutes(r), clusters);
      }
    }
    return new RouteConfigurationUpdate(name, rc, clusters);
  }

  private static void validateRoute(String at, Route route, Set<String> clusters) throws ResourceInvalidException {
    if (!route.hasMatch()) {
      throw new ResourceInvalidException(at + ": match is required");
    }
    if (route.getMatch().getPathSpecifierCase() == io.envoyproxy.envoy.config.route.v3.RouteMatch.PathSpecifierCase.PATHSPECIFIER_NOT_SET) {
      throw new ResourceInvalidException(at + ": match needs prefix, path, safe_regex or another path specifier");
    }
    switch (route.getActionCase()) {
      case ROUTE -> {
        var action = route.getRoute();
        switch (action.getClusterSpecifierCase()) {
          case CLUSTER -> {
            if (action.getCluster().isEmpty()) {
              throw new ResourceInvalidException(at + ": route.cluster is empty");
            }
            clusters.add(action.getCluster());
          }
          case WEIGHTED_CLUSTERS -> {
            if (action.getWeightedClusters().getClustersCount() == 0) {
              throw new ResourceInvalidException(at + ": route.weighted_clusters is empty");
            }
            for (WeightedCluster.ClusterWeight cw : action.getWeightedClusters().getClustersList()) {
              if (cw.getName().isEmpty()) {
                throw new ResourceInvalidException(at + ": route.weighted_clusters entry without name");
              }
              clusters.add(cw.getName());
            }
          }
          case CLUSTER_HEADER, CLUSTER_SPECIFIER_PLUGIN, INLINE_CLUSTER_SPECIFIER_PLUGIN -> { }
          default -> throw new ResourceInvalidException(at + ": route needs cluster or weighted_clusters");
        }
      }
      case REDIRECT, DIRECT_RESPONSE, FILTER_ACTION, NON_FORWARDING_ACTION -> { }
      default -> throw new ResourceInvalidException(at + ": an action (route, redirect, direct_response) is required");
    }
  }
}

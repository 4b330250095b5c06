package io.wasmplane.xds.resource;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.Set;

/** A validated RouteConfiguration; {@code clusterNames} are the clusters its routes name. */
public record RouteConfigurationUpdate(String name, RouteConfiguration proto, Set<String> clusterNames)
    implements XdsResource {
  public RouteConfigurationUpdate {
    clusterNames = Set.copyOf(clusterNames);
  }
}

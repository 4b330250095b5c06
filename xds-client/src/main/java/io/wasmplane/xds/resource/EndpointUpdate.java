package io.wasmplane.xds.resource;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;

/** A validated ClusterLoadAssignment; its name is the {@code cluster_name}. */
public record EndpointUpdate(String name, ClusterLoadAssignment proto) implements XdsResource {}

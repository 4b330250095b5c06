package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;

/**
 * Where an endpoint runs (its locality's region, zone and sub_zone) and whether it is a canary ({@code canary: true}
 * in its {@code envoy.lb} metadata, as Envoy reads it): shown by /clusters; no load balancing decision uses them.
 */
public record EndpointLocality(String region, String zone, String subZone, boolean canary) {
  public static final EndpointLocality NONE = new EndpointLocality("", "", "", false);

  static EndpointLocality of(LocalityLbEndpoints locality, LbEndpoint endpoint) {
    var l = locality.getLocality();
    var lb = endpoint.getMetadata().getFilterMetadataMap().get("envoy.lb");
    boolean canary = lb != null && lb.getFieldsOrDefault("canary", com.google.protobuf.Value.getDefaultInstance()).getBoolValue();
    EndpointLocality e = new EndpointLocality(l.getRegion(), l.getZone(), l.getSubZone(), canary);
    return e.equals(NONE) ? NONE : e;
  }
}

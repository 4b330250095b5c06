package io.wasmplane.xds.resource;

import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;

/** EDS: {@code envoy.config.endpoint.v3.ClusterLoadAssignment}, named by its {@code cluster_name}. */
public final class EndpointResource extends ResourceType<ClusterLoadAssignment, EndpointUpdate> {
  public static final String TYPE_URL = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  public static final EndpointResource INSTANCE = new EndpointResource();

  private EndpointResource() {
    super(TYPE_URL, "eds", ClusterLoadAssignment.class, false);
  }

  @Override
  protected String nameOf(ClusterLoadAssignment message) {
    return message.getClusterName();
  }

  @Override
  protected EndpointUpdate validate(String name, ClusterLoadAssignment cla) throws ResourceInvalidException {
    validateEndpoints(cla, "");
    return new EndpointUpdate(name, cla);
  }

  static void validateEndpoints(ClusterLoadAssignment cla, String prefix) throws ResourceInvalidException {
    for (int l = 0; l < cla.getEndpointsCount(); l++) {
      LocalityLbEndpoints locality = cla.getEndpoints(l);
      for (int e = 0; e < locality.getLbEndpointsCount(); e++) {
        LbEndpoint lb = locality.getLbEndpoints(e);
        String at = prefix + "endpoints[" + l + "].lb_endpoints[" + e + "]";
        if (lb.hasEndpointName()) {
          continue; // named endpoints are resolved by the data plane
        }
        if (!lb.hasEndpoint() || !lb.getEndpoint().hasAddress()) {
          throw new ResourceInvalidException(at + ": endpoint.address is required");
        }
        Address address = lb.getEndpoint().getAddress();
        if (address.hasSocketAddress()) {
          var sa = address.getSocketAddress();
          if (sa.getAddress().isEmpty()) {
            throw new ResourceInvalidException(at + ": socket_address.address is empty");
          }
          if (sa.getPortSpecifierCase() == io.envoyproxy.envoy.config.core.v3.SocketAddress.PortSpecifierCase.PORT_VALUE
              && sa.getPortValue() > 65535) {
            throw new ResourceInvalidException(at + ": port " + sa.getPortValue() + " is out of range");
          }
        } else if (!address.hasPipe() && !address.hasEnvoyInternalAddress()) {
          throw new ResourceInvalidException(at + ": address has no socket_address");
        }
      }
    }
  }
}

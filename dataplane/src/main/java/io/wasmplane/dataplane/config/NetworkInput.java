package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.ApplicationProtocolInput;
import io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.DestinationIPInput;
import io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput;
import io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.DirectSourceIPInput;
import io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.ServerNameInput;
import io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.SourceIPInput;
import io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.SourcePortInput;
import io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.SourceTypeInput;
import io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.TransportProtocolInput;
import io.wasmplane.dataplane.network.Addresses;
import java.net.InetAddress;

/**
 * Envoy's network matching inputs ({@code envoy.extensions.matching.common_inputs.network.v3}) and the string each
 * gives for a connection, formatted as Envoy does; null is "no value" (no SNI, no application protocol, not local).
 */
enum NetworkInput {
  DESTINATION_IP(DestinationIPInput.getDescriptor().getFullName()),
  DESTINATION_PORT(DestinationPortInput.getDescriptor().getFullName()),
  SOURCE_IP(SourceIPInput.getDescriptor().getFullName()),
  SOURCE_PORT(SourcePortInput.getDescriptor().getFullName()),
  // The socket's peer, even when a PROXY protocol header named another client.
  DIRECT_SOURCE_IP(DirectSourceIPInput.getDescriptor().getFullName()),
  SOURCE_TYPE(SourceTypeInput.getDescriptor().getFullName()),
  SERVER_NAME(ServerNameInput.getDescriptor().getFullName()),
  TRANSPORT_PROTOCOL(TransportProtocolInput.getDescriptor().getFullName()),
  APPLICATION_PROTOCOL(ApplicationProtocolInput.getDescriptor().getFullName());

  final String typeName;

  NetworkInput(String typeName) {
    this.typeName = typeName;
  }

  /** The input whose message {@code typeUrl} names, or null. */
  static NetworkInput of(String typeUrl) {
    String type = typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
    for (NetworkInput i : values()) {
      if (i.typeName.equals(type)) {
        return i;
      }
    }
    return null;
  }

  boolean isAddress() {
    return this == DESTINATION_IP || this == SOURCE_IP || this == DIRECT_SOURCE_IP;
  }

  /** The address an IP input gives (only for {@link #isAddress()} inputs). */
  InetAddress address(ConnectionFacts c) {
    return switch (this) {
      case DESTINATION_IP -> c.local().getAddress();
      case DIRECT_SOURCE_IP -> c.directRemote().getAddress();
      default -> c.remote().getAddress();
    };
  }

  String value(ConnectionFacts c) {
    return switch (this) {
      case DESTINATION_IP, SOURCE_IP, DIRECT_SOURCE_IP -> Addresses.ip(address(c));
      case DESTINATION_PORT -> Integer.toString(c.local().getPort());
      case SOURCE_PORT -> Integer.toString(c.remote().getPort());
      case SOURCE_TYPE -> c.localSource() ? "local" : null;
      case SERVER_NAME -> c.serverName().isEmpty() ? null : c.serverName();
      case TRANSPORT_PROTOCOL -> c.transportProtocol().isEmpty() ? null : c.transportProtocol();
      // Envoy: the protocols quoted and comma separated, e.g. 'h2','http/1.1'.
      case APPLICATION_PROTOCOL -> c.applicationProtocols().isEmpty() ? null
          : "'" + String.join("','", c.applicationProtocols()) + "'";
    };
  }
}

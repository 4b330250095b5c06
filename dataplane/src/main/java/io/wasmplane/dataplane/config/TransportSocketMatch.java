package io.wasmplane.dataplane.config;

import com.google.protobuf.Value;
import java.util.Map;
import java.util.Optional;

/**
 * One entry of a cluster's {@code transport_socket_matches}: a host whose {@code envoy.transport_socket_match} metadata
 * holds every field of {@code match} with an equal value talks to it over {@code tls} ({@code raw_buffer} = empty:
 * plaintext). An empty {@code match} matches every host.
 */
public record TransportSocketMatch(String name, Map<String, Value> match, Optional<TlsClientConfig> tls) {
  /** The metadata filter Envoy reads the host's match labels from. */
  public static final String METADATA_FILTER = "envoy.transport_socket_match";

  public TransportSocketMatch {
    match = Map.copyOf(match);
  }

  public boolean matches(Map<String, Value> hostLabels) {
    for (Map.Entry<String, Value> e : match.entrySet()) {
      if (!e.getValue().equals(hostLabels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}

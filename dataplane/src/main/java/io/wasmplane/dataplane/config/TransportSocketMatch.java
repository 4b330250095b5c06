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

  /**
   * A host's {@code envoy.transport_socket_match} labels: its endpoint's, then its locality's (Envoy tries every match
   * against the endpoint's before any against the locality's).
   */
  public record HostLabels(Map<String, Value> endpoint, Map<String, Value> locality) {
    public static final HostLabels NONE = new HostLabels(Map.of(), Map.of());

    public HostLabels {
      endpoint = Map.copyOf(endpoint);
      locality = Map.copyOf(locality);
    }
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

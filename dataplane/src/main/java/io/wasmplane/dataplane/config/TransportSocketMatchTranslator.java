package io.wasmplane.dataplane.config;

import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Validates a cluster's {@code transport_socket_matches} and reads the host labels they match against. */
public final class TransportSocketMatchTranslator {
  static final String RAW_BUFFER = "envoy.transport_sockets.raw_buffer";

  private TransportSocketMatchTranslator() {}

  public static List<TransportSocketMatch> matches(Cluster c, String where) {
    List<TransportSocketMatch> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < c.getTransportSocketMatchesCount(); i++) {
      Cluster.TransportSocketMatch m = c.getTransportSocketMatches(i);
      String w = where + ".transport_socket_matches[" + i + "]";
      FieldGuard.onlySupported(m, w, Set.of("name", "match", "transport_socket"));
      if (m.getName().isEmpty()) {
        throw new ConfigException(w + ".name: required");
      }
      if (!names.add(m.getName())) {
        throw new ConfigException(w + ".name: duplicate match name '" + m.getName() + "'");
      }
      if (!m.hasTransportSocket()) {
        throw new ConfigException(w + ".transport_socket: required");
      }
      out.add(new TransportSocketMatch(m.getName(), m.getMatch().getFieldsMap(),
          socket(m.getTransportSocket(), w + "(" + m.getName() + ").transport_socket")));
    }
    return List.copyOf(out);
  }

  /** A cluster's or a match's transport socket: TLS, or plaintext for raw_buffer. */
  static Optional<TlsClientConfig> socket(TransportSocket ts, String where) {
    if (ts.getName().equals(RAW_BUFFER) || ts.getTypedConfig().getTypeUrl().contains("transport_sockets.raw_buffer.v3")) {
      FieldGuard.onlySupported(ts, where, Set.of("name", "typed_config"));
      return Optional.empty();
    }
    if (!(ts.getName().equals(EnvoyTypes.TLS) || ts.getTypedConfig().getTypeUrl().contains("transport_sockets.tls.v3"))) {
      throw new ConfigException(where + ": unsupported transport socket '" + ts.getName() + "' (supported: " + EnvoyTypes.TLS
          + ", " + RAW_BUFFER + ")");
    }
    return Optional.of(TlsTranslator.upstream(ts, where));
  }

  /** A host's {@code envoy.transport_socket_match} labels from its endpoint's and its locality's metadata. */
  public static TransportSocketMatch.HostLabels hostLabels(Metadata endpoint, Metadata locality) {
    Map<String, Value> e = labels(endpoint);
    Map<String, Value> l = labels(locality);
    return e.isEmpty() && l.isEmpty() ? TransportSocketMatch.HostLabels.NONE : new TransportSocketMatch.HostLabels(e, l);
  }

  private static Map<String, Value> labels(Metadata metadata) {
    var s = metadata.getFilterMetadataMap().get(TransportSocketMatch.METADATA_FILTER);
    return s == null ? Map.of() : Map.copyOf(s.getFieldsMap());
  }
}

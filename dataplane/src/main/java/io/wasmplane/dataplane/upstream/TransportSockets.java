package io.wasmplane.dataplane.upstream;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.config.TlsClientConfig;
import io.wasmplane.dataplane.config.TransportSocketMatch;
import io.wasmplane.dataplane.tls.ClientTls;
import io.wasmplane.dataplane.tls.SecretStore;
import io.wasmplane.dataplane.tls.SwappableSslContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A cluster's transport sockets: its {@code transport_socket} and those of its {@code transport_socket_matches}, each
 * TLS context built once per cluster. A host gets the first match its {@code envoy.transport_socket_match} labels
 * satisfy, else the cluster's socket (Envoy); the choice is made when the host is created or its labels change.
 */
final class TransportSockets {
  /** How connections to a host start: TLS (a context and a configured SNI) or plaintext. */
  record Socket(Optional<SwappableSslContext> context, Optional<String> sni) {
    static final Socket PLAINTEXT = new Socket(Optional.empty(), Optional.empty());

    /** Adds the TLS handler (SNI: the configured one, else the host's name) to a new upstream connection. */
    void install(Channel ch, UpstreamHost host) {
      if (context.isPresent()) {
        SslContext ctx = context.get();
        ch.pipeline().addLast("ssl", ctx.newHandler(ch.alloc(), sni.orElse(host.hostname()), host.address().getPort()));
      }
    }
  }

  private record Matched(TransportSocketMatch match, Socket socket) {}

  private final Socket clusterSocket;
  private final List<Matched> matches;

  TransportSockets(ClusterConfig config, SecretStore secrets) {
    String where = "cluster " + config.name();
    this.clusterSocket = socket(config.tls(), secrets, where + ".transport_socket");
    List<Matched> list = new ArrayList<>();
    for (TransportSocketMatch m : config.socketMatches()) {
      list.add(new Matched(m, socket(m.tls(), secrets, where + ".transport_socket_matches(" + m.name() + ")")));
    }
    this.matches = List.copyOf(list);
  }

  private static Socket socket(Optional<TlsClientConfig> tls, SecretStore secrets, String where) {
    return tls.map(t -> new Socket(Optional.of(ClientTls.context(t, secrets, where)), t.sni())).orElse(Socket.PLAINTEXT);
  }

  Socket choose(TransportSocketMatch.HostLabels labels) {
    for (Matched m : matches) {
      if (m.match().matches(labels.endpoint())) {
        return m.socket();
      }
    }
    for (Matched m : matches) {
      if (m.match().matches(labels.locality())) {
        return m.socket();
      }
    }
    return clusterSocket;
  }

  /** Counts every handshake made with any of these contexts into {@code stats} (cluster.<name>.ssl.*). */
  void countHandshakes(io.wasmplane.dataplane.tls.TlsStats stats) {
    clusterSocket.context().ifPresent(c -> c.countHandshakes(stats));
    matches.forEach(m -> m.socket().context().ifPresent(c -> c.countHandshakes(stats)));
  }

  /** Stops following SDS secrets. */
  void close() {
    clusterSocket.context().ifPresent(SwappableSslContext::close);
    matches.forEach(m -> m.socket().context().ifPresent(SwappableSslContext::close));
  }
}

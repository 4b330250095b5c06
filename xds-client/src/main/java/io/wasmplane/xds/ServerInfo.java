package io.wasmplane.xds;

import java.util.Objects;
import java.util.Optional;

/**
 * One control plane the client talks to, and how: its address and TLS, SotW or delta, and whether every type shares
 * one aggregated stream (ADS) or each type has its own stream ({@code api_config_source}). The client keeps one
 * {@code ControlPlaneClient} (one channel) per distinct ServerInfo.
 *
 * @param nodeOnFirstMessageOnly Envoy's {@code set_node_on_first_message_only}
 */
public record ServerInfo(ServerTarget target, Optional<TlsOptions> tls, XdsProtocol protocol, boolean aggregated,
    boolean nodeOnFirstMessageOnly) {
  public ServerInfo {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(protocol, "protocol");
  }

  /** An ADS server: plaintext, state-of-the-world, node on every request. */
  public static ServerInfo ads(ServerTarget target) {
    return new ServerInfo(target, Optional.empty(), XdsProtocol.STATE_OF_THE_WORLD, true, false);
  }

  public ServerInfo withTls(TlsOptions options) {
    return new ServerInfo(target, Optional.of(options), protocol, aggregated, nodeOnFirstMessageOnly);
  }

  public ServerInfo withProtocol(XdsProtocol p) {
    return new ServerInfo(target, tls, p, aggregated, nodeOnFirstMessageOnly);
  }

  public ServerInfo withNodeOnFirstMessageOnly(boolean value) {
    return new ServerInfo(target, tls, protocol, aggregated, value);
  }

  @Override
  public String toString() {
    return target + " (" + protocol + (aggregated ? ", ADS" : ", per type") + (tls.isPresent() ? ", TLS" : "") + ")";
  }
}

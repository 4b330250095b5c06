package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.Set;

/**
 * The HCM's {@code x-forwarded-client-cert} handling: {@code forward_client_cert_details} and the
 * {@code set_current_client_cert_details} fields added for APPEND_FORWARD / SANITIZE_SET.
 */
public record XfccConfig(Mode mode, boolean cert, boolean chain, boolean subject, boolean uri, boolean dns) {
  public enum Mode { SANITIZE, FORWARD_ONLY, APPEND_FORWARD, SANITIZE_SET, ALWAYS_FORWARD_ONLY }

  /** Envoy's default: the header is removed. */
  public static final XfccConfig DEFAULT = new XfccConfig(Mode.SANITIZE, false, false, false, false, false);

  static XfccConfig from(HttpConnectionManager h, String where) {
    Mode mode = switch (h.getForwardClientCertDetails()) {
      case SANITIZE -> Mode.SANITIZE;
      case FORWARD_ONLY -> Mode.FORWARD_ONLY;
      case APPEND_FORWARD -> Mode.APPEND_FORWARD;
      case SANITIZE_SET -> Mode.SANITIZE_SET;
      case ALWAYS_FORWARD_ONLY -> Mode.ALWAYS_FORWARD_ONLY;
      default -> throw new ConfigException(where + ".forward_client_cert_details: unknown value " + h.getForwardClientCertDetails());
    };
    var d = h.getSetCurrentClientCertDetails();
    FieldGuard.onlySupported(d, where + ".set_current_client_cert_details", Set.of("subject", "cert", "chain", "dns", "uri"));
    return new XfccConfig(mode, d.getCert(), d.getChain(), d.hasSubject() && d.getSubject().getValue(), d.getUri(), d.getDns());
  }
}

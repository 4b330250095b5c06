package io.wasmplane.dataplane.tls;

import io.netty.handler.codec.http.HttpHeaders;
import io.wasmplane.dataplane.config.XfccConfig;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Envoy's {@code x-forwarded-client-cert} handling on a request: ALWAYS_FORWARD_ONLY keeps the header; without a
 * client certificate or with SANITIZE it is removed; FORWARD_ONLY keeps it; APPEND_FORWARD appends and SANITIZE_SET
 * sets this hop's element: {@code By=<our URI SANs>;Hash=<peer sha256>} then, as configured,
 * {@code Cert="…";Chain="…";Subject="…";URI=…;DNS=…}.
 */
public final class ForwardedClientCert {
  public static final String HEADER = "x-forwarded-client-cert";

  private ForwardedClientCert() {}

  public static void apply(HttpHeaders h, XfccConfig cfg, ConnectionTls tls) {
    XfccConfig.Mode mode = cfg.mode();
    if (mode == XfccConfig.Mode.ALWAYS_FORWARD_ONLY) {
      return;
    }
    if (mode == XfccConfig.Mode.SANITIZE || tls == null || !tls.mtls()) {
      h.remove(HEADER);
      return;
    }
    if (mode == XfccConfig.Mode.FORWARD_ONLY) {
      return;
    }
    String element = element(cfg, tls);
    String existing = h.get(HEADER);
    if (mode == XfccConfig.Mode.APPEND_FORWARD && existing != null && !existing.isEmpty()) {
      h.set(HEADER, existing + "," + element);
    } else {
      h.set(HEADER, element);
    }
  }

  static String element(XfccConfig cfg, ConnectionTls tls) {
    ConnectionTls.CertFacts peer = tls.peer().orElseThrow();
    List<String> parts = new ArrayList<>();
    tls.local().ifPresent(l -> l.uriSans().forEach(u -> parts.add("By=" + u)));
    parts.add("Hash=" + peer.sha256Hex());
    if (cfg.cert()) {
      parts.add("Cert=\"" + urlEncodedPem(tls.peerChain().subList(0, 1)) + "\"");
    }
    if (cfg.chain()) {
      parts.add("Chain=\"" + urlEncodedPem(tls.peerChain()) + "\"");
    }
    if (cfg.subject()) {
      parts.add("Subject=\"" + peer.subject() + "\"");
    }
    if (cfg.uri()) {
      if (peer.uriSans().isEmpty()) {
        parts.add("URI=");
      }
      peer.uriSans().forEach(u -> parts.add("URI=" + u));
    }
    if (cfg.dns()) {
      peer.dnsSans().forEach(d -> parts.add("DNS=" + d));
    }
    return String.join(";", parts);
  }

  /** PEM with the characters Envoy escapes (newline, space, +, /, =) percent-encoded. */
  static String urlEncodedPem(List<X509Certificate> certs) {
    StringBuilder pem = new StringBuilder();
    for (X509Certificate c : certs) {
      try {
        pem.append("-----BEGIN CERTIFICATE-----\n")
            .append(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(c.getEncoded()))
            .append("\n-----END CERTIFICATE-----\n");
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException(e);
      }
    }
    StringBuilder out = new StringBuilder(pem.length() + 64);
    for (int i = 0; i < pem.length(); i++) {
      char ch = pem.charAt(i);
      switch (ch) {
        case '\n' -> out.append("%0A");
        case ' ' -> out.append("%20");
        case '+' -> out.append("%2B");
        case '/' -> out.append("%2F");
        case '=' -> out.append("%3D");
        default -> out.append(ch);
      }
    }
    return out.toString();
  }
}

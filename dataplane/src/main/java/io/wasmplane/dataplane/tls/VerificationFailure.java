package io.wasmplane.dataplane.tls;

import java.security.cert.CertificateException;

/** Why a peer certificate was refused, so the handshake failure is counted under Envoy's stat. */
final class VerificationFailure extends CertificateException {
  enum Reason { ERROR, SAN, CERT_HASH }

  final Reason reason;

  VerificationFailure(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }
}

package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import java.util.Optional;

/** A validated SDS {@code Secret}: exactly one of a certificate and key, or a validation context. */
public record SecretSpec(String name, Optional<CertificateKeyPair> tlsCertificate, Optional<CertificateValidationContext> validationContext) {
  public String kind() {
    return tlsCertificate.isPresent() ? "tls_certificate" : "validation_context";
  }
}

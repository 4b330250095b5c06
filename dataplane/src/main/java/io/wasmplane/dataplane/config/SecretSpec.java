package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import java.util.Optional;

/**
 * A validated SDS {@code Secret}: exactly one of a certificate and key, a validation context, or a generic secret
 * (opaque bytes, stored for filters that name it; no TLS context can use one).
 */
public record SecretSpec(String name, Optional<CertificateKeyPair> tlsCertificate, Optional<CertificateValidationContext> validationContext,
    Optional<byte[]> genericSecret) {
  public SecretSpec(String name, Optional<CertificateKeyPair> tlsCertificate, Optional<CertificateValidationContext> validationContext) {
    this(name, tlsCertificate, validationContext, Optional.empty());
  }

  public String kind() {
    return tlsCertificate.isPresent() ? "tls_certificate" : validationContext.isPresent() ? "validation_context" : "generic_secret";
  }
}

package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import java.util.List;
import java.util.Optional;

/**
 * Where a TLS context's certificate and validation come from: inline, or SDS secrets by name. For a
 * {@code combined_validation_context} the secret's validation context is merged over {@code validation} (the
 * {@code default_validation_context}), as Envoy merges them. Resolved into {@link ResolvedTls} when the context is built
 * and whenever one of its secrets changes.
 */
public record TlsMaterial(List<CertificateKeyPair> certificates, List<SecretRef> certificateSecrets,
    Optional<CertificateValidationContext> validation, Optional<SecretRef> validationSecret) {

  public static final TlsMaterial NONE = new TlsMaterial(List.of(), List.of(), Optional.empty(), Optional.empty());

  public boolean hasCertificate() {
    return !certificates.isEmpty() || !certificateSecrets.isEmpty();
  }

  public boolean hasValidation() {
    return validation.isPresent() || validationSecret.isPresent();
  }

  /** The certificates (at most one per key type) and validation of a TLS context once its secrets are known. */
  public record ResolvedTls(List<CertificateKeyPair> certificates, Optional<CertificateValidation> validation) {}
}

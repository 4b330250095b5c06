package io.wasmplane.xds.resource;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;

/**
 * SDS: {@code envoy.extensions.transport_sockets.tls.v3.Secret}, subscribed by name. The client checks the shape (one
 * kind of secret; a certificate with chain and key); whether the PEM parses and the key fits the certificate is the
 * data plane's verdict.
 */
public final class SecretResource extends ResourceType<Secret, SecretUpdate> {
  public static final String TYPE_URL = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
  public static final SecretResource INSTANCE = new SecretResource();

  private SecretResource() {
    super(TYPE_URL, "sds", Secret.class, false);
  }

  @Override
  protected String nameOf(Secret message) {
    return message.getName();
  }

  @Override
  protected SecretUpdate validate(String name, Secret secret) throws ResourceInvalidException {
    switch (secret.getTypeCase()) {
      case TLS_CERTIFICATE -> {
        if (!secret.getTlsCertificate().hasCertificateChain() || !secret.getTlsCertificate().hasPrivateKey()) {
          throw new ResourceInvalidException("tls_certificate: certificate_chain and private_key are required");
        }
      }
      case VALIDATION_CONTEXT, SESSION_TICKET_KEYS, GENERIC_SECRET -> { }
      default -> throw new ResourceInvalidException("one of tls_certificate, validation_context, session_ticket_keys, generic_secret is required");
    }
    return new SecretUpdate(name, secret);
  }
}

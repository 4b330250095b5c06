package io.wasmplane.dataplane.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.TlsMaterial;
import io.wasmplane.dataplane.config.TlsServerConfig;
import java.io.ByteArrayInputStream;

/**
 * Builds a listener's server SslContext from a {@link TlsServerConfig}: certificate, client-certificate policy
 * (required; requested and verified when a validation context is set; else not asked), ALPN, versions and ciphers.
 * With SDS secrets the context follows their rotation.
 */
public final class ServerTls {
  private ServerTls() {}

  /** A context that rebuilds itself for new connections whenever one of its SDS secrets changes. */
  public static SwappableSslContext context(TlsServerConfig tls, SecretStore secrets, String where) {
    return SwappableSslContext.following(tls.material(), secrets, where, material -> build(tls, material, where));
  }

  static SslContext build(TlsServerConfig tls, TlsMaterial.ResolvedTls material, String where) {
    if (material.certificates().isEmpty()) {
      throw new ConfigException(where + ": no server certificate");
    }
    try {
      // One certificate: Netty's own key manager; several: the JDK's, which chooses one per handshake by key type.
      var certs = material.certificates();
      SslContextBuilder b = (certs.size() == 1
          ? SslContextBuilder.forServer(new ByteArrayInputStream(certs.get(0).chainPem()), new ByteArrayInputStream(certs.get(0).keyPem()))
          : SslContextBuilder.forServer(ServerKeys.keyManager(certs, where)))
          .protocols(tls.params().protocols())
          .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, tls.alpn()));
      if (tls.sessionTimeoutSeconds() > 0) {
        b.sessionTimeout(tls.sessionTimeoutSeconds());
      }
      if (!tls.params().cipherSuites().isEmpty()) {
        b.ciphers(tls.params().cipherSuites());
      }
      if (material.validation().isPresent()) {
        b.trustManager(new CertificateVerifier(material.validation().get(), where));
        b.clientAuth(tls.requireClientCertificate() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
      } else if (tls.requireClientCertificate()) {
        // Envoy: a certificate is required but, without a validation context, not verified.
        b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        b.clientAuth(ClientAuth.REQUIRE);
      }
      return SessionTickets.build(b, tls.sessionTickets());
    } catch (ConfigException e) {
      throw e;
    } catch (Exception e) {
      throw new ConfigException(where + ": invalid TLS context (PEM certificate, PKCS#8 key expected): " + e.getMessage(), e);
    }
  }
}

package io.wasmplane.dataplane.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.TlsClientConfig;
import io.wasmplane.dataplane.config.TlsMaterial;
import java.io.ByteArrayInputStream;

/**
 * Builds a cluster's client SslContext from a {@link TlsClientConfig}: the upstream's certificate verified by the
 * validation context (CA, SAN matchers, pins; none = not verified, as Envoy), the client certificate if any, ALPN,
 * versions and ciphers. With SDS secrets the context follows their rotation.
 */
public final class ClientTls {
  private ClientTls() {}

  public static SwappableSslContext context(TlsClientConfig tls, SecretStore secrets, String where) {
    return SwappableSslContext.following(tls.material(), secrets, where, material -> build(tls, material, where));
  }

  static SslContext build(TlsClientConfig tls, TlsMaterial.ResolvedTls material, String where) {
    try {
      SslContextBuilder b = SslContextBuilder.forClient().protocols(tls.params().protocols());
      if (!tls.params().cipherSuites().isEmpty()) {
        b.ciphers(tls.params().cipherSuites());
      }
      if (material.validation().isPresent()) {
        b.trustManager(new CertificateVerifier(material.validation().get(), where));
      } else {
        b.trustManager(InsecureTrustManagerFactory.INSTANCE);
      }
      if (!material.certificates().isEmpty()) {
        b.keyManager(new ByteArrayInputStream(material.certificates().get(0).chainPem()),
            new ByteArrayInputStream(material.certificates().get(0).keyPem()));
      }
      if (!tls.alpn().isEmpty()) {
        b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, tls.alpn()));
      }
      return b.build();
    } catch (ConfigException e) {
      throw e;
    } catch (Exception e) {
      throw new ConfigException(where + ": invalid upstream TLS context: " + e.getMessage(), e);
    }
  }
}

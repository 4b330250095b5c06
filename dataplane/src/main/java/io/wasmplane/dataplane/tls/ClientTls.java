package io.wasmplane.dataplane.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.TlsClientConfig;
import io.wasmplane.dataplane.config.TlsMaterial;
import java.io.ByteArrayInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a cluster's client SslContext from a {@link TlsClientConfig}: the upstream's certificate verified by the
 * validation context (CA, SAN matchers, pins; none = not verified, as Envoy), the client certificate if any, ALPN,
 * versions and ciphers. With SDS secrets the context follows their rotation.
 */
public final class ClientTls {
  private static final Logger log = LoggerFactory.getLogger(ClientTls.class);

  private ClientTls() {}

  public static SwappableSslContext context(TlsClientConfig tls, SecretStore secrets, String where) {
    SwappableSslContext ctx = new SwappableSslContext(build(tls, secrets.resolve(tls.material(), where), where));
    ctx.onClose(secrets.watch(SecretStore.dynamicNames(tls.material()), () -> {
      try {
        ctx.swap(build(tls, secrets.resolve(tls.material(), where), where));
        log.info("event=tls_context_rotated where=\"{}\"", where);
      } catch (RuntimeException e) {
        log.warn("event=tls_context_rotation_failed where=\"{}\" cause=\"{}\"", where, e.getMessage());
      }
    }));
    return ctx;
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
      if (material.certificate().isPresent()) {
        b.keyManager(new ByteArrayInputStream(material.certificate().get().chainPem()),
            new ByteArrayInputStream(material.certificate().get().keyPem()));
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

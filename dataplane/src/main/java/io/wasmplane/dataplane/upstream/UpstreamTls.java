package io.wasmplane.dataplane.upstream;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.TlsClientConfig;
import java.io.ByteArrayInputStream;
import javax.net.ssl.SSLException;

/** Client SslContext for an UpstreamTlsContext. */
final class UpstreamTls {
  private UpstreamTls() {}

  static SslContext context(TlsClientConfig tls) {
    try {
      SslContextBuilder b = SslContextBuilder.forClient();
      if (tls.trustedCaPem().isPresent()) {
        b.trustManager(new ByteArrayInputStream(tls.trustedCaPem().get()));
      } else {
        // Envoy does not verify the upstream certificate without a validation_context.
        b.trustManager(InsecureTrustManagerFactory.INSTANCE);
      }
      if (tls.certificateChainPem().isPresent()) {
        b.keyManager(new ByteArrayInputStream(tls.certificateChainPem().get()), new ByteArrayInputStream(tls.privateKeyPem().orElseThrow()));
      }
      if (!tls.alpn().isEmpty()) {
        b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, tls.alpn()));
      }
      return b.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new ConfigException("upstream tls context: " + e.getMessage(), e);
    }
  }
}

package io.wasmplane.dataplane.server;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.TlsServerConfig;
import java.io.ByteArrayInputStream;

/** Server SslContext for a DownstreamTlsContext, with ALPN. */
final class DownstreamTls {
  private DownstreamTls() {}

  static SslContext context(TlsServerConfig tls, String where) {
    try {
      return SslContextBuilder.forServer(new ByteArrayInputStream(tls.certChainPem()), new ByteArrayInputStream(tls.privateKeyPem()))
          .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, tls.alpn()))
          .build();
    } catch (Exception e) {
      throw new ConfigException(where + ": invalid certificate or private key (PEM, PKCS#8 key expected): " + e.getMessage(), e);
    }
  }
}

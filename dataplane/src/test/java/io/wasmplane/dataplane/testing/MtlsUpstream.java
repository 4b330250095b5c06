package io.wasmplane.dataplane.testing;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * An HTTPS upstream on loopback that requires a client certificate signed by the PKI's CA and answers with its subject;
 * it closes each connection after the answer, so every request shows the certificate of a fresh handshake.
 */
public final class MtlsUpstream implements AutoCloseable {
  private final HttpsServer server;

  public MtlsUpstream(TestPki pki) throws IOException {
    SSLContext ctx = ((JdkSslContext) SslContextBuilder.forServer(pki.serverCert().toFile(), pki.serverKey().toFile())
        .sslProvider(SslProvider.JDK).trustManager(pki.caCert().toFile()).clientAuth(ClientAuth.REQUIRE).build()).context();
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setHttpsConfigurator(new HttpsConfigurator(ctx) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters p = getSSLContext().getDefaultSSLParameters();
        p.setNeedClientAuth(true);
        params.setSSLParameters(p);
      }
    });
    server.createContext("/", ex -> {
      String peer;
      try {
        peer = ((X509Certificate) ((HttpsExchange) ex).getSSLSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
      } catch (Exception e) {
        peer = "none";
      }
      byte[] body = ("mtls upstream saw " + peer).getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Connection", "close"); // each request a new upstream connection (and handshake)
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

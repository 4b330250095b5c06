package io.wasmplane.dataplane.testing;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Real HTTP clients (the JDK's) for tests. */
public final class Http {
  private Http() {}

  public static HttpClient h1() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** HTTP/2: over plain http the JDK client upgrades with h2c; over https it uses ALPN. */
  public static HttpClient h2() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
  }

  public static HttpClient tls(HttpClient.Version version) throws Exception {
    return HttpClient.newBuilder().version(version).sslContext(testTrust()).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /**
   * An HTTP/1.1 client trusting {@code ca} that presents {@code cert}/{@code key} (PEM, PKCS#8) when asked, or no
   * certificate when {@code cert} is null; a new client (new connection) each time.
   */
  public static HttpClient mtls(java.nio.file.Path ca, java.nio.file.Path cert, java.nio.file.Path key) throws Exception {
    io.netty.handler.ssl.SslContextBuilder b = io.netty.handler.ssl.SslContextBuilder.forClient()
        .sslProvider(io.netty.handler.ssl.SslProvider.JDK).trustManager(ca.toFile());
    if (cert != null) {
      b.keyManager(cert.toFile(), key.toFile());
    }
    SSLContext ctx = ((io.netty.handler.ssl.JdkSslContext) b.build()).context();
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ctx).connectTimeout(Duration.ofSeconds(5)).build();
  }

  public static HttpResponse<String> get(HttpClient c, String url) throws Exception {
    return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Trusts the test certificate in src/test/resources/tls. */
  public static SSLContext testTrust() throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Http.class.getResourceAsStream("/tls/server.crt")) {
      ks.setCertificateEntry("test", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  public static String resource(String name) {
    try {
      return java.nio.file.Path.of(Http.class.getResource(name).toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}

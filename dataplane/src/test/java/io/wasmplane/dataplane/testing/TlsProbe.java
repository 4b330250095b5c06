package io.wasmplane.dataplane.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A TLS client that sends a chosen SNI (and ALPN), trusts any certificate, and reports which certificate the server
 * presented and what one HTTP/1.1 request got: for filter chain selection by SNI.
 */
public final class TlsProbe {
  private TlsProbe() {}

  /** The server certificate's subject and the raw HTTP/1.1 response. */
  public record Result(String subject, String response) {}

  public static Result get(int port, String sni, String path) throws Exception {
    return get(port, sni, path, new byte[0]);
  }

  /** The same after {@code preamble} was written in cleartext (a PROXY protocol header). */
  public static Result get(int port, String sni, String path, byte[] preamble) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new TrustAll()}, null);
    java.net.Socket plain = new java.net.Socket(InetAddress.getLoopbackAddress(), port);
    plain.getOutputStream().write(preamble);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, sni, port, true)) {
      s.setSoTimeout(5000);
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName(sni)));
      p.setApplicationProtocols(new String[] {"http/1.1"});
      s.setSSLParameters(p);
      s.startHandshake();
      String subject = ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
      s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) >= 0; ) {
          out.write(buf, 0, n);
        }
      } catch (SocketTimeoutException e) {
        // what arrived is the answer
      } catch (IOException e) {
        // closed after the response
      }
      return new Result(subject, out.toString(StandardCharsets.ISO_8859_1));
    }
  }

  /**
   * The subject of the certificate the server presents to a client limited to {@code protocol} and {@code cipherSuites}
   * (TLS 1.2 with only ECDHE_RSA or only ECDHE_ECDSA suites is a client that takes only RSA or only ECDSA certificates).
   */
  public static String serverSubject(int port, String protocol, String... cipherSuites) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new TrustAll()}, null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5000);
      s.setEnabledProtocols(new String[] {protocol});
      s.setEnabledCipherSuites(cipherSuites);
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }
  }

  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}

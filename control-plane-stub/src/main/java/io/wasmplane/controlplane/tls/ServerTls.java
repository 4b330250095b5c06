package io.wasmplane.controlplane.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The stub's server TLS: a certificate chain and PKCS#8 key (PEM) for the xDS server and, with {@code filesOverHttps},
 * the module file server; with {@code clientCa} the xDS server requires client certificates signed by it (mTLS).
 */
public record ServerTls(Path certificateChain, Path privateKey, Optional<Path> clientCa, boolean filesOverHttps) {
  /** The gRPC server's context (mTLS when a client CA is set). */
  public SslContext grpcContext() throws IOException {
    SslContextBuilder b = GrpcSslContexts.forServer(certificateChain.toFile(), privateKey.toFile());
    if (clientCa.isPresent()) {
      b.trustManager(clientCa.get().toFile()).clientAuth(ClientAuth.REQUIRE);
    }
    return b.build();
  }

  /** A JDK context for the module file server (server authentication only). */
  public SSLContext jdkContext() throws IOException {
    try {
      Certificate[] chain;
      try (InputStream in = Files.newInputStream(certificateChain)) {
        chain = CertificateFactory.getInstance("X.509").generateCertificates(in).toArray(Certificate[]::new);
      }
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("server", pkcs8(privateKey), new char[0], chain);
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, new char[0]);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use " + certificateChain + " / " + privateKey + " for TLS: " + e.getMessage(), e);
    }
  }

  private static PrivateKey pkcs8(Path pem) throws IOException, GeneralSecurityException {
    String text = Files.readString(pem);
    int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = text.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new IOException(pem + ": expected a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)");
    }
    byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (InvalidKeySpecException notThisAlgorithm) {
        // try the next one
      }
    }
    throw new IOException(pem + ": not an RSA, EC or Ed25519 PKCS#8 key");
  }
}

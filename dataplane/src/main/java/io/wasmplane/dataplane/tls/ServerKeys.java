package io.wasmplane.dataplane.tls;

import io.wasmplane.dataplane.config.CertificateKeyPair;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.Pem;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;

/**
 * A server's certificates as one KeyManagerFactory. The JDK's {@code NewSunX509} key manager answers each handshake's
 * {@code chooseServerAlias(keyType)} with the entry whose key fits the type the client's signature algorithms (TLS 1.3)
 * or cipher suites (TLS 1.2) allow, so an RSA and an ECDSA certificate side by side serve RSA-only and ECDSA clients,
 * as Envoy's several {@code tls_certificates} do.
 */
final class ServerKeys {
  private static final char[] NO_PASSWORD = new char[0];

  private ServerKeys() {}

  static KeyManagerFactory keyManager(List<CertificateKeyPair> certs, String where) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < certs.size(); i++) {
        CertificateKeyPair c = certs.get(i);
        List<java.security.cert.X509Certificate> chain = Pem.certificates(c.chainPem(), where + " certificate " + i);
        store.setKeyEntry("cert" + i, Pem.privateKey(c.keyPem(), where + " certificate " + i), NO_PASSWORD,
            chain.toArray(new Certificate[0]));
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance("NewSunX509");
      kmf.init(store, NO_PASSWORD);
      return kmf;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new ConfigException(where + ": the server certificates cannot be loaded: " + e.getMessage(), e);
    }
  }
}

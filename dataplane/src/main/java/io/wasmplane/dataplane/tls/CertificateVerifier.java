package io.wasmplane.dataplane.tls;

import io.wasmplane.dataplane.config.CertificateValidation;
import io.wasmplane.dataplane.config.Pem;
import io.wasmplane.dataplane.config.SanMatcher;
import io.wasmplane.dataplane.config.TlsTranslator;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Envoy's certificate validation: the chain against the trusted CA (none configured = not checked), then the pinned
 * hashes (SPKI or certificate sha256; either list may match), then the SAN matchers (any SAN matching any matcher).
 * Each refusal says which check failed ({@link VerificationFailure}), for the {@code ssl.fail_verify_*} counters.
 */
final class CertificateVerifier extends X509ExtendedTrustManager {
  private final CertificateValidation validation;
  private final X509TrustManager chain;
  private final X509Certificate[] issuers;

  CertificateVerifier(CertificateValidation validation, String where) {
    this.validation = validation;
    if (validation.trustedCaPem().isEmpty()) {
      chain = null;
      issuers = new X509Certificate[0];
      return;
    }
    List<X509Certificate> cas = Pem.certificates(validation.trustedCaPem().get(), where + ".trusted_ca");
    try {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      for (int i = 0; i < cas.size(); i++) {
        ks.setCertificateEntry("ca" + i, cas.get(i));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      X509TrustManager found = null;
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          found = x;
        }
      }
      chain = found;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new io.wasmplane.dataplane.config.ConfigException(where + ".trusted_ca: " + e.getMessage(), e);
    }
    issuers = cas.toArray(new X509Certificate[0]);
  }

  private void verify(X509Certificate[] certs, String authType, boolean client) throws CertificateException {
    if (certs == null || certs.length == 0) {
      throw new VerificationFailure(VerificationFailure.Reason.ERROR, "empty certificate chain", null);
    }
    if (chain != null) {
      try {
        if (client) {
          chain.checkClientTrusted(certs, authType);
        } else {
          chain.checkServerTrusted(certs, authType);
        }
      } catch (CertificateException e) {
        throw new VerificationFailure(VerificationFailure.Reason.ERROR, "certificate verify failed: " + e.getMessage(), e);
      }
    }
    X509Certificate leaf = certs[0];
    if (validation.pinned() && !pinMatches(leaf)) {
      throw new VerificationFailure(VerificationFailure.Reason.CERT_HASH, "certificate hash not in verify_certificate_hash/spki", null);
    }
    if (!validation.sanMatchers().isEmpty()) {
      List<SanMatcher.SanEntry> sans;
      try {
        sans = SanMatcher.SanEntry.of(leaf.getSubjectAlternativeNames());
      } catch (CertificateParsingException e) {
        sans = List.of();
      }
      for (SanMatcher m : validation.sanMatchers()) {
        if (m.matchesAny(sans)) {
          return;
        }
      }
      throw new VerificationFailure(VerificationFailure.Reason.SAN, "no subject alternative name matches " + sans, null);
    }
  }

  private boolean pinMatches(X509Certificate leaf) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      if (validation.certSha256().contains(TlsTranslator.hex(sha.digest(leaf.getEncoded())))) {
        return true;
      }
      return validation.spkiSha256().contains(Base64.getEncoder().encodeToString(sha.digest(leaf.getPublicKey().getEncoded())));
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType, Socket socket) throws CertificateException {
    verify(certs, authType, true);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType, SSLEngine engine) throws CertificateException {
    verify(certs, authType, true);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType) throws CertificateException {
    verify(certs, authType, true);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType, Socket socket) throws CertificateException {
    verify(certs, authType, false);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType, SSLEngine engine) throws CertificateException {
    verify(certs, authType, false);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType) throws CertificateException {
    verify(certs, authType, false);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return issuers.clone();
  }
}

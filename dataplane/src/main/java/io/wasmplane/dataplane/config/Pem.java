package io.wasmplane.dataplane.config;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Checks PEM material once, when it is configured: certificates parse, the key parses and belongs to the certificate. */
public final class Pem {
  private static final Pattern KEY = Pattern.compile("-----BEGIN ([A-Z ]*)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END \\1PRIVATE KEY-----");

  private Pem() {}

  /** The X.509 certificates of a PEM bundle (at least one). */
  public static List<X509Certificate> certificates(byte[] pem, String where) {
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new ConfigException(where + ": no PEM certificate found");
      }
      return List.copyOf(out);
    } catch (CertificateException e) {
      throw new ConfigException(where + ": not a PEM certificate: " + e.getMessage());
    }
  }

  /** A PKCS#8 PEM private key (RSA, EC or Ed25519). */
  public static PrivateKey privateKey(byte[] pem, String where) {
    Matcher m = KEY.matcher(new String(pem, StandardCharsets.US_ASCII));
    if (!m.find()) {
      throw new ConfigException(where + ": no PEM private key found");
    }
    if (!m.group(1).isEmpty() && !m.group(1).equals("ENCRYPTED ")) {
      throw new ConfigException(where + ": '" + m.group(1) + "PRIVATE KEY' is not supported; convert it to PKCS#8 "
          + "(openssl pkcs8 -topk8 -nocrypt)");
    }
    if (m.group(1).equals("ENCRYPTED ")) {
      throw new ConfigException(where + ": encrypted private keys are not supported");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(where + ": private key is not valid base64");
    }
    for (String alg : List.of("EC", "RSA", "Ed25519", "RSASSA-PSS")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new ConfigException(where + ": private key is not a PKCS#8 RSA, EC or Ed25519 key");
  }

  /** Fails unless {@code key} is the private key of {@code leaf} (a signature made with it verifies with the certificate). */
  public static void requireMatch(PrivateKey key, X509Certificate leaf, String where) {
    String alg = switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> null;
    };
    if (alg == null) {
      return;
    }
    try {
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(leaf.getPublicKey());
      v.update(probe);
      if (v.verify(sig)) {
        return;
      }
    } catch (GeneralSecurityException e) {
      // a key of another type than the certificate's: falls through to the error
    }
    throw new ConfigException(where + ": the private key does not match the certificate (" + leaf.getSubjectX500Principal().getName() + ")");
  }
}

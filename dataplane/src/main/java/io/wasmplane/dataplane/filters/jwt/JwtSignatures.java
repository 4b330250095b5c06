package io.wasmplane.dataplane.filters.jwt;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * JWS signature checks with the JDK's providers: RS/PS 256/384/512, ES256/384/512 (JOSE's raw r||s is the JDK's
 * P1363 format) and HS256/384/512. A key is tried only if its kid and alg agree with the token (jwt_verify_lib's rule).
 */
final class JwtSignatures {
  private static final Set<String> ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
      "ES512", "HS256", "HS384", "HS512");

  private JwtSignatures() {}

  static boolean supports(String alg) {
    return ALGORITHMS.contains(alg);
  }

  /** OK, VERIFICATION_FAILS (a key fit but none verified) or KID_ALG_MISMATCH (no key fits the token). */
  static JwtStatus verify(JwtToken token, Jwks jwks) {
    boolean fitted = false;
    for (Jwks.Jwk k : jwks.keys()) {
      if (!token.kid().isEmpty() && !k.kid().isEmpty() && !k.kid().equals(token.kid())) {
        continue;
      }
      if (!k.alg().isEmpty() && !k.alg().equals(token.alg())) {
        continue;
      }
      if (!fits(k, token.alg())) {
        continue;
      }
      fitted = true;
      if (verifies(k, token)) {
        return JwtStatus.OK;
      }
    }
    return fitted ? JwtStatus.VERIFICATION_FAILS : JwtStatus.KID_ALG_MISMATCH;
  }

  private static boolean fits(Jwks.Jwk k, String alg) {
    return switch (alg.substring(0, 2)) {
      case "RS", "PS" -> k.publicKey() instanceof RSAPublicKey;
      case "ES" -> k.publicKey() instanceof ECPublicKey && k.crv().equals(switch (alg) {
        case "ES256" -> "P-256";
        case "ES384" -> "P-384";
        default -> "P-521";
      });
      case "HS" -> k.secret() != null;
      default -> false;
    };
  }

  private static boolean verifies(Jwks.Jwk k, JwtToken t) {
    String bits = t.alg().substring(2);
    try {
      if (t.alg().startsWith("HS")) {
        Mac mac = Mac.getInstance("HmacSHA" + bits);
        mac.init(new SecretKeySpec(k.secret(), "HmacSHA" + bits));
        return MessageDigest.isEqual(mac.doFinal(t.signedPart()), t.signature());
      }
      Signature s;
      if (t.alg().startsWith("PS")) {
        s = Signature.getInstance("RSASSA-PSS");
        String digest = "SHA-" + bits;
        s.setParameter(new PSSParameterSpec(digest, "MGF1", new MGF1ParameterSpec(digest), Integer.parseInt(bits) / 8, 1));
      } else {
        s = Signature.getInstance("SHA" + bits + (t.alg().startsWith("ES") ? "withECDSAinP1363Format" : "withRSA"));
      }
      s.initVerify(k.publicKey());
      s.update(t.signedPart());
      return s.verify(t.signature());
    } catch (GeneralSecurityException | RuntimeException e) {
      return false; // a malformed signature (wrong length, bad encoding) is a failed verification
    }
  }
}

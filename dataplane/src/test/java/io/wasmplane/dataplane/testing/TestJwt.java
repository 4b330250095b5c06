package io.wasmplane.dataplane.testing;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Signing keys for JWT tests, generated with java.security: an RSA or EC key pair with a kid, its public JWK (for a
 * JWKS), and compact JWS tokens signed with it (RS/PS/ES algorithms) over a JSON payload given as text.
 */
public final class TestJwt {
  private final KeyPair pair;
  private final String kid;

  private TestJwt(KeyPair pair, String kid) {
    this.pair = pair;
    this.kid = kid;
  }

  public static TestJwt rsa(String kid) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return new TestJwt(g.generateKeyPair(), kid);
  }

  /** curve: secp256r1 (ES256) or secp384r1 (ES384). */
  public static TestJwt ec(String kid, String curve) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec(curve));
    return new TestJwt(g.generateKeyPair(), kid);
  }

  /** The public key as a JWK JSON object. */
  public String jwk() {
    if (pair.getPublic() instanceof RSAPublicKey k) {
      return "{\"kty\":\"RSA\",\"kid\":\"" + kid + "\",\"n\":\"" + b64(unsigned(k.getModulus(), 0)) + "\",\"e\":\""
          + b64(unsigned(k.getPublicExponent(), 0)) + "\"}";
    }
    ECPublicKey k = (ECPublicKey) pair.getPublic();
    int size = (k.getParams().getCurve().getField().getFieldSize() + 7) / 8;
    String crv = size == 32 ? "P-256" : size == 48 ? "P-384" : "P-521";
    return "{\"kty\":\"EC\",\"kid\":\"" + kid + "\",\"crv\":\"" + crv + "\",\"x\":\"" + b64(unsigned(k.getW().getAffineX(), size))
        + "\",\"y\":\"" + b64(unsigned(k.getW().getAffineY(), size)) + "\"}";
  }

  /** A JWKS holding these keys' public JWKs. */
  public static String jwks(TestJwt... keys) {
    StringBuilder sb = new StringBuilder("{\"keys\":[");
    for (int i = 0; i < keys.length; i++) {
      sb.append(i == 0 ? "" : ",").append(keys[i].jwk());
    }
    return sb.append("]}").toString();
  }

  /** A token signed with {@code alg} (RS256/384/512, PS256, ES256/384) over {@code payloadJson}. */
  public String sign(String alg, String payloadJson) throws Exception {
    String head = b64(("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}").getBytes(StandardCharsets.UTF_8));
    String body = b64(payloadJson.getBytes(StandardCharsets.UTF_8));
    String bits = alg.substring(2);
    Signature s;
    if (alg.startsWith("PS")) {
      s = Signature.getInstance("RSASSA-PSS");
      s.setParameter(new PSSParameterSpec("SHA-" + bits, "MGF1", new MGF1ParameterSpec("SHA-" + bits), Integer.parseInt(bits) / 8, 1));
    } else {
      s = Signature.getInstance("SHA" + bits + (alg.startsWith("ES") ? "withECDSAinP1363Format" : "withRSA"));
    }
    s.initSign(pair.getPrivate());
    s.update((head + "." + body).getBytes(StandardCharsets.US_ASCII));
    return head + "." + body + "." + b64(s.sign());
  }

  /** An HS256 token over {@code payloadJson} with a shared secret (its JWK is {@link #octJwk}). */
  public static String hs256(byte[] secret, String kid, String payloadJson) throws Exception {
    String head = b64(("{\"alg\":\"HS256\",\"kid\":\"" + kid + "\"}").getBytes(StandardCharsets.UTF_8));
    String body = b64(payloadJson.getBytes(StandardCharsets.UTF_8));
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
    return head + "." + body + "." + b64(mac.doFinal((head + "." + body).getBytes(StandardCharsets.US_ASCII)));
  }

  /** A JWKS with one symmetric (oct) key. */
  public static String octJwks(byte[] secret, String kid) {
    return "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"" + kid + "\",\"k\":\"" + b64(secret) + "\"}]}";
  }

  /** Seconds since the epoch, {@code delta} from now (exp / nbf claims). */
  public static long in(long delta) {
    return System.currentTimeMillis() / 1000 + delta;
  }

  private static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** Big-endian magnitude without a sign byte, left-padded to {@code size} bytes (0: no padding). */
  private static byte[] unsigned(BigInteger v, int size) {
    byte[] b = v.toByteArray();
    if (b.length > 1 && b[0] == 0) {
      b = Arrays.copyOfRange(b, 1, b.length);
    }
    if (b.length < size) {
      byte[] p = new byte[size];
      System.arraycopy(b, 0, p, size - b.length, b.length);
      b = p;
    }
    return b;
  }
}

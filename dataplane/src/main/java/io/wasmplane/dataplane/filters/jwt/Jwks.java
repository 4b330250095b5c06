package io.wasmplane.dataplane.filters.jwt;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.wasmplane.dataplane.config.ConfigException;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** A JSON Web Key Set (RFC 7517), parsed once at config time into Java keys: RSA, EC (P-256/384/521) and oct. */
record Jwks(List<Jwk> keys) {

  /** One key: {@code publicKey} for RSA / EC, {@code secret} for oct; kid and alg "" when absent. */
  record Jwk(String kid, String alg, String kty, String crv, PublicKey publicKey, byte[] secret) {}

  static Jwks parse(String json, String where) {
    Struct.Builder root = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(json, root);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new ConfigException(where + ": not a JSON Web Key Set (invalid JSON: " + e.getMessage() + ")");
    }
    Value keys = root.getFieldsMap().get("keys");
    if (keys == null || !keys.hasListValue()) {
      throw new ConfigException(where + ": not a JSON Web Key Set (a \"keys\" array is required)");
    }
    List<Jwk> out = new ArrayList<>();
    List<Value> list = keys.getListValue().getValuesList();
    for (int i = 0; i < list.size(); i++) {
      String w = where + ".keys[" + i + "]";
      if (!list.get(i).hasStructValue()) {
        throw new ConfigException(w + ": a key must be a JSON object");
      }
      out.add(key(list.get(i).getStructValue(), w));
    }
    if (out.isEmpty()) {
      throw new ConfigException(where + ": the key set has no keys");
    }
    return new Jwks(List.copyOf(out));
  }

  private static Jwk key(Struct k, String where) {
    String kty = string(k, "kty", where, true);
    String kid = string(k, "kid", where, false);
    String alg = string(k, "alg", where, false);
    try {
      return switch (kty) {
        case "RSA" -> new Jwk(kid, alg, kty, "", KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
            unsigned(k, "n", where), unsigned(k, "e", where))), null);
        case "EC" -> {
          String crv = string(k, "crv", where, true);
          String curve = switch (crv) {
            case "P-256" -> "secp256r1";
            case "P-384" -> "secp384r1";
            case "P-521" -> "secp521r1";
            default -> throw new ConfigException(where + ".crv: '" + crv + "' is not supported (P-256, P-384, P-521)");
          };
          AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
          params.init(new ECGenParameterSpec(curve));
          ECPoint point = new ECPoint(unsigned(k, "x", where), unsigned(k, "y", where));
          yield new Jwk(kid, alg, kty, crv, KeyFactory.getInstance("EC").generatePublic(
              new ECPublicKeySpec(point, params.getParameterSpec(ECParameterSpec.class))), null);
        }
        case "oct" -> new Jwk(kid, alg, kty, "", null, bytes(k, "k", where));
        default -> throw new ConfigException(where + ".kty: '" + kty + "' is not supported (RSA, EC, oct)");
      };
    } catch (GeneralSecurityException e) {
      throw new ConfigException(where + ": not a valid " + kty + " public key (" + e.getMessage() + ")");
    }
  }

  private static String string(Struct k, String field, String where, boolean required) {
    Value v = k.getFieldsMap().get(field);
    if (v == null) {
      if (required) {
        throw new ConfigException(where + "." + field + ": required");
      }
      return "";
    }
    if (!v.hasStringValue()) {
      throw new ConfigException(where + "." + field + ": must be a string");
    }
    return v.getStringValue();
  }

  private static byte[] bytes(Struct k, String field, String where) {
    try {
      byte[] b = Base64.getUrlDecoder().decode(string(k, field, where, true));
      if (b.length == 0) {
        throw new ConfigException(where + "." + field + ": empty");
      }
      return b;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(where + "." + field + ": not base64url (" + e.getMessage() + ")");
    }
  }

  private static BigInteger unsigned(Struct k, String field, String where) {
    return new BigInteger(1, bytes(k, field, where));
  }
}

package io.wasmplane.dataplane.filters.jwt;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A compact-serialised JWS (header.payload.signature) decoded, not yet verified: its header and payload as Structs
 * (the payload is what jwt_authn writes to dynamic metadata), the registered claims it checks, and the signed bytes.
 */
record JwtToken(String raw, Struct header, Struct payload, String payloadSegment, byte[] signedPart, byte[] signature,
    String alg, String kid, String iss, List<String> aud, long exp, long nbf) {

  /** The decoded token, or the status saying why it is malformed. */
  sealed interface Parsed permits Good, Bad {}

  record Good(JwtToken token) implements Parsed {}

  record Bad(JwtStatus status) implements Parsed {}

  static Parsed parse(String raw) {
    String[] parts = raw.split("\\.", -1);
    if (parts.length != 3) {
      return new Bad(JwtStatus.BAD_FORMAT);
    }
    Struct header = json(parts[0]);
    if (header == null) {
      return new Bad(decodes(parts[0]) ? JwtStatus.HEADER_BAD_JSON : JwtStatus.HEADER_BAD_BASE64);
    }
    Value alg = header.getFieldsMap().get("alg");
    if (alg == null || !alg.hasStringValue()) {
      return new Bad(JwtStatus.HEADER_BAD_ALG);
    }
    if (!JwtSignatures.supports(alg.getStringValue())) {
      return new Bad(JwtStatus.HEADER_ALG_NOT_SUPPORTED);
    }
    Struct payload = json(parts[1]);
    if (payload == null) {
      return new Bad(decodes(parts[1]) ? JwtStatus.PAYLOAD_BAD_JSON : JwtStatus.PAYLOAD_BAD_BASE64);
    }
    byte[] signature;
    try {
      signature = Base64.getUrlDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      return new Bad(JwtStatus.SIGNATURE_BAD_BASE64);
    }
    Value kid = header.getFieldsMap().get("kid");
    return new Good(new JwtToken(raw, header, payload, parts[1],
        (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII), signature, alg.getStringValue(),
        kid != null && kid.hasStringValue() ? kid.getStringValue() : "", string(payload, "iss"), audiences(payload),
        seconds(payload, "exp"), seconds(payload, "nbf")));
  }

  private static boolean decodes(String part) {
    try {
      Base64.getUrlDecoder().decode(part);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** A base64url JSON object as a Struct; null when either layer is malformed. */
  private static Struct json(String part) {
    try {
      String text = new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
      if (!text.stripLeading().startsWith("{")) {
        return null;
      }
      Struct.Builder b = Struct.newBuilder();
      JsonFormat.parser().merge(text, b);
      return b.build();
    } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
      return null;
    }
  }

  private static String string(Struct s, String claim) {
    Value v = s.getFieldsMap().get(claim);
    return v != null && v.hasStringValue() ? v.getStringValue() : "";
  }

  /** aud: a string or an array of strings (RFC 7519 §4.1.3). */
  private static List<String> audiences(Struct payload) {
    Value v = payload.getFieldsMap().get("aud");
    if (v == null) {
      return List.of();
    }
    if (v.hasStringValue()) {
      return List.of(v.getStringValue());
    }
    List<String> out = new ArrayList<>();
    if (v.hasListValue()) {
      for (Value e : v.getListValue().getValuesList()) {
        if (e.hasStringValue()) {
          out.add(e.getStringValue());
        }
      }
    }
    return List.copyOf(out);
  }

  /** A NumericDate claim; 0 when absent (no constraint). */
  private static long seconds(Struct payload, String claim) {
    Value v = payload.getFieldsMap().get(claim);
    return v != null && v.hasNumberValue() ? (long) v.getNumberValue() : 0;
  }
}

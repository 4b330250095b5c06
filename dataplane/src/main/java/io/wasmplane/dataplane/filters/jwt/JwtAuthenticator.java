package io.wasmplane.dataplane.filters.jwt;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.wasmplane.dataplane.config.RequestFacts;
import java.util.List;
import java.util.Map;

/**
 * Verifies one request's JWTs for one requirement leaf, as Envoy's authenticator: decode, issuer (the leaf's provider,
 * or the provider whose issuer the token names), time window with clock skew, audiences, then the signature. Each
 * token found is tried in turn; the first that verifies wins, else the last one's status. A verified token's effects
 * (token removal, payload header, claim headers, metadata) are applied through the {@link VerifyContext}.
 */
final class JwtAuthenticator {
  private JwtAuthenticator() {}

  /**
   * One leaf: {@code provider} null means "any provider, chosen by the token's issuer" (allow_missing and
   * allow_missing_or_failed); {@code audiences} overrides the provider's (provider_and_audiences), null: the provider's.
   */
  static JwtStatus verify(VerifyContext ctx, JwtProviderSpec provider, List<String> audiences, TokenLocations locations,
      Map<String, JwtProviderSpec> byIssuer) {
    List<TokenLocations.Found> tokens = locations.extract(ctx.request());
    if (tokens.isEmpty()) {
      return JwtStatus.MISSING;
    }
    JwtStatus last = JwtStatus.MISSING;
    for (TokenLocations.Found found : tokens) {
      JwtToken.Parsed parsed = JwtToken.parse(found.token());
      if (parsed instanceof JwtToken.Bad bad) {
        last = bad.status();
        continue;
      }
      JwtToken token = ((JwtToken.Good) parsed).token();
      JwtProviderSpec p = provider;
      if (p == null) {
        p = byIssuer.get(token.iss());
        if (p == null) {
          last = JwtStatus.UNKNOWN_ISSUER;
          continue;
        }
      } else if (!token.iss().isEmpty() && !p.issuer().isEmpty() && !token.iss().equals(p.issuer())) {
        last = JwtStatus.UNKNOWN_ISSUER;
        continue;
      }
      last = check(token, p, audiences == null ? p.audiences() : audiences, ctx);
      if (last == JwtStatus.OK) {
        ctx.verified(p, token, found);
        return JwtStatus.OK;
      }
    }
    return last;
  }

  private static JwtStatus check(JwtToken t, JwtProviderSpec p, List<String> audiences, VerifyContext ctx) {
    long now = ctx.nowSeconds();
    if (t.nbf() != 0 && now < t.nbf() - p.clockSkewSeconds()) {
      return JwtStatus.NOT_YET_VALID;
    }
    if (t.exp() != 0 && now > t.exp() + p.clockSkewSeconds()) {
      return JwtStatus.EXPIRED;
    }
    if (!audiences.isEmpty() && !audienceAllowed(t.aud(), audiences)) {
      return JwtStatus.AUDIENCE_NOT_ALLOWED;
    }
    return p.verifySignature(t, ctx.stats());
  }

  /** jwt_verify_lib's CheckAudience: compared without an http(s):// scheme and a trailing '/'. */
  private static boolean audienceAllowed(List<String> tokenAud, List<String> allowed) {
    for (String a : tokenAud) {
      for (String b : allowed) {
        if (sanitize(a).equals(sanitize(b))) {
          return true;
        }
      }
    }
    return false;
  }

  private static String sanitize(String aud) {
    String s = aud.startsWith("http://") ? aud.substring(7) : aud.startsWith("https://") ? aud.substring(8) : aud;
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /** The payload as metadata: the provider's space_delimited_claims (string values) split into lists. */
  static Struct normalized(Struct payload, java.util.Set<String> spaceDelimited) {
    if (spaceDelimited.isEmpty()) {
      return payload;
    }
    Struct.Builder b = payload.toBuilder();
    for (String claim : spaceDelimited) {
      Value v = payload.getFieldsMap().get(claim);
      if (v != null && v.hasStringValue()) {
        ListValue.Builder l = ListValue.newBuilder();
        for (String part : v.getStringValue().split(" ")) {
          if (!part.isEmpty()) {
            l.addValues(Value.newBuilder().setStringValue(part));
          }
        }
        b.putFields(claim, Value.newBuilder().setListValue(l).build());
      }
    }
    return b.build();
  }

  /** What verification reads of the request and how it records a verified token. */
  interface VerifyContext {
    RequestFacts request();

    long nowSeconds();

    JwtAuthnStats stats();

    void verified(JwtProviderSpec provider, JwtToken token, TokenLocations.Found where);
  }
}

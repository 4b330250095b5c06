package io.wasmplane.dataplane.filters.jwt;

import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.ConfigMatchers;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One translated jwt_authn provider: who may issue tokens (issuer, audiences), the keys that sign them (inline JWKS),
 * where tokens are found, and what a verified token leaves behind (forwarded or removed token, payload header,
 * claim headers, dynamic metadata).
 */
record JwtProviderSpec(String name, String issuer, List<String> audiences, Jwks jwks, TokenLocations locations, boolean forward,
    String forwardPayloadHeader, boolean padForwardPayloadHeader, String payloadInMetadata, String headerInMetadata,
    Set<String> spaceDelimitedClaims, long clockSkewSeconds, List<ClaimToHeader> claimToHeaders, boolean clearRouteCache,
    JwtCache cache) {

  record ClaimToHeader(String header, String claim) {}

  /** The signature check, through the provider's jwt_cache_config cache when it has one. */
  JwtStatus verifySignature(JwtToken token, JwtAuthnStats stats) {
    return cache == null ? JwtSignatures.verify(token, jwks) : cache.verifySignature(token, jwks, stats);
  }

  /** Envoy reads an unset (0) clock_skew_seconds as 60. */
  private static final long DEFAULT_CLOCK_SKEW_SECONDS = 60;

  static JwtProviderSpec translate(String name, JwtProvider p, String where) {
    if (p.hasRemoteJwks()) {
      throw new ConfigException(where + ".remote_jwks: fetching a JWKS is not supported; give the keys inline as local_jwks "
          + "(istiod does by default: PILOT_JWT_ENABLE_REMOTE_JWKS=false)");
    }
    ConfigMatchers.onlySupported(p, where, Set.of("issuer", "audiences", "local_jwks", "forward", "from_headers", "from_params",
        "from_cookies", "forward_payload_header", "pad_forward_payload_header", "payload_in_metadata", "normalize_payload_in_metadata",
        "header_in_metadata", "clock_skew_seconds", "claim_to_headers", "clear_route_cache", "jwt_cache_config"));
    if (!p.hasLocalJwks()) {
      throw new ConfigException(where + ": local_jwks is required (the JSON Web Key Set that verifies this provider's tokens)");
    }
    Jwks jwks = Jwks.parse(ConfigMatchers.dataSourceString(p.getLocalJwks(), where + ".local_jwks"), where + ".local_jwks");
    List<TokenLocations.HeaderLocation> headers = new ArrayList<>();
    for (int i = 0; i < p.getFromHeadersCount(); i++) {
      String h = p.getFromHeaders(i).getName();
      if (h.isEmpty()) {
        throw new ConfigException(where + ".from_headers[" + i + "].name: required");
      }
      headers.add(new TokenLocations.HeaderLocation(h.toLowerCase(java.util.Locale.ROOT), p.getFromHeaders(i).getValuePrefix()));
    }
    TokenLocations locations = headers.isEmpty() && p.getFromParamsCount() == 0 && p.getFromCookiesCount() == 0
        ? TokenLocations.DEFAULT
        : new TokenLocations(List.copyOf(headers), List.copyOf(p.getFromParamsList()), List.copyOf(p.getFromCookiesList()));
    List<ClaimToHeader> claims = new ArrayList<>();
    for (int i = 0; i < p.getClaimToHeadersCount(); i++) {
      var c = p.getClaimToHeaders(i);
      if (c.getHeaderName().isEmpty() || c.getClaimName().isEmpty()) {
        throw new ConfigException(where + ".claim_to_headers[" + i + "]: header_name and claim_name are required");
      }
      claims.add(new ClaimToHeader(c.getHeaderName().toLowerCase(java.util.Locale.ROOT), c.getClaimName()));
    }
    ConfigMatchers.onlySupported(p.getNormalizePayloadInMetadata(), where + ".normalize_payload_in_metadata",
        Set.of("space_delimited_claims"));
    return new JwtProviderSpec(name, p.getIssuer(), List.copyOf(p.getAudiencesList()), jwks, locations, p.getForward(),
        p.getForwardPayloadHeader().toLowerCase(java.util.Locale.ROOT), p.getPadForwardPayloadHeader(), p.getPayloadInMetadata(),
        p.getHeaderInMetadata(), Set.copyOf(p.getNormalizePayloadInMetadata().getSpaceDelimitedClaimsList()),
        p.getClockSkewSeconds() != 0 ? p.getClockSkewSeconds() : DEFAULT_CLOCK_SKEW_SECONDS, List.copyOf(claims), p.getClearRouteCache(),
        JwtCache.of(p.hasJwtCacheConfig(), p.getJwtCacheConfig()));
  }
}

package io.wasmplane.dataplane.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestJwt;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.filters.http.jwt_authn through a real data plane and upstream, with keys generated here and tokens signed
 * here: RS256 / PS256 / ES256 / HS256 tokens pass (the upstream sees the payload header and a claim header, not the token);
 * a missing, expired, not-yet-valid, wrongly addressed, foreign or forged token gets Envoy's status, body and
 * www-authenticate; allow_missing, requires_any over two providers with their own locations, a rule without a
 * requirement, routes whose PerRouteConfig disables the filter or names a requirement_map entry (a missing one is a
 * 403); a claim header routed on after clear_route_cache; the counters.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class JwtAuthnFilterTest {
  private static final String ISS = "https://issuer.example";
  private static final byte[] SECRET = "a shared secret of thirty-two b!".getBytes(StandardCharsets.US_ASCII);

  private TestJwt rsa;
  private TestJwt ec;
  private TestJwt other;
  private TestUpstream up;
  private Dataplane dp;
  private int port;

  private static String hcm(String mainJwks, String otherJwks) {
    return """
        route_config:
          name: local
          virtual_hosts:
          - name: all
            domains: ["*"]
            routes:
            - match: {prefix: "/unprotected"}
              route: {cluster: a}
              typed_per_filter_config:
                envoy.filters.http.jwt_authn:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig
                  disabled: true
            - match: {prefix: "/named"}
              route: {cluster: a}
              typed_per_filter_config:
                envoy.filters.http.jwt_authn:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig
                  requirement_name: other-only
            - match: {prefix: "/wrong-name"}
              route: {cluster: a}
              typed_per_filter_config:
                envoy.filters.http.jwt_authn:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig
                  requirement_name: nope
            - match:
                prefix: "/by-claim"
                headers: [{name: x-jwt-sub, string_match: {exact: alice}}]
              direct_response: {status: 200, body: {inline_string: "alice's route"}}
            - match: {prefix: "/"}
              route: {cluster: a}
        http_filters:
        - name: envoy.filters.http.jwt_authn
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
            providers:
              main:
                issuer: %3$s
                audiences: [api.example]
                local_jwks: {inline_string: '%1$s'}
                forward_payload_header: x-jwt-payload
                claim_to_headers: [{header_name: x-jwt-sub, claim_name: sub}]
                clear_route_cache: true
                jwt_cache_config: {jwt_cache_size: 10}
              hmac:
                issuer: hmac-issuer
                from_headers: [{name: x-hmac-token}]
                local_jwks: {inline_string: '%4$s'}
              other:
                issuer: other-issuer
                from_headers: [{name: x-other-token}]
                local_jwks: {inline_string: '%2$s'}
                forward: true
            requirement_map:
              other-only: {provider_name: other}
            rules:
            - match: {prefix: "/open"}
            - match: {prefix: "/optional"}
              requires: {allow_missing: {}}
            - match: {prefix: "/hmac"}
              requires: {provider_name: hmac}
            - match: {prefix: "/any"}
              requires: {requires_any: {requirements: [{provider_name: main}, {provider_name: other}]}}
            - match: {prefix: "/"}
              requires: {provider_name: main}
        - name: envoy.filters.http.router
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
        """.formatted(mainJwks, otherJwks, ISS, TestJwt.octJwks(SECRET, "h1"));
  }

  @BeforeAll
  void start() throws Exception {
    rsa = TestJwt.rsa("rsa-1");
    ec = TestJwt.ec("ec-1", "secp256r1");
    other = TestJwt.ec("other-1", "secp384r1");
    up = new TestUpstream("a");
    dp = Bootstraps.start(Bootstraps.hcmListener(hcm(TestJwt.jwks(rsa, ec), TestJwt.jwks(other)), null,
        Bootstraps.staticCluster("a", up.port(), null)));
    port = dp.port("ingress");
  }

  @AfterAll
  void stop() throws Exception {
    dp.close();
    up.close();
  }

  private long counter(String name) {
    return dp.server().stats().snapshot().counter("http.ingress_http.jwt_authn." + name);
  }

  private RawResponse get(String path, String... headers) throws Exception {
    return RawResponse.get(port, "svc", path, headers);
  }

  private static String claims(String iss, String aud, long exp) {
    return "{\"iss\":\"" + iss + "\",\"sub\":\"alice\",\"aud\":" + aud + ",\"exp\":" + exp + "}";
  }

  private String good() throws Exception {
    return rsa.sign("RS256", claims(ISS, "[\"other\",\"api.example\"]", TestJwt.in(600)));
  }

  @Test
  void aValidTokenReachesTheUpstreamWithThePayloadAndClaimHeadersButNotTheToken() throws Exception {
    long allowed = counter("allowed");
    String token = good();
    RawResponse r = get("/api/books", "Authorization: Bearer " + token, "x-jwt-payload: forged", "x-jwt-sub: mallory");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.upstreamSaw("x-jwt-payload")).containsExactly(token.split("\\.")[1]);
    assertThat(new String(Base64.getUrlDecoder().decode(r.upstreamSaw("x-jwt-payload").get(0)), StandardCharsets.UTF_8))
        .contains("\"sub\":\"alice\"");
    assertThat(r.upstreamSaw("x-jwt-sub")).containsExactly("alice");
    assertThat(r.upstreamSaw("authorization")).isEmpty(); // forward: false removes the token
    assertThat(counter("allowed")).isEqualTo(allowed + 1);
  }

  /**
   * jwt_cache_config: the same ES256 token on six connections (two workers, a cache each) is verified at most once
   * per worker; the token with its signature changed is not a hit and is refused.
   */
  @Test
  void theTokenCacheSkipsRepeatedSignaturesButNotForgedOnes() throws Exception {
    String token = ec.sign("ES256", claims(ISS, "\"api.example\"", TestJwt.in(600)));
    long hits = counter("jwt_cache_hit");
    long misses = counter("jwt_cache_miss");
    for (int i = 0; i < 6; i++) {
      assertThat(get("/api/cached", "Authorization: Bearer " + token).status()).isEqualTo(200);
    }
    long newMisses = counter("jwt_cache_miss") - misses;
    assertThat(newMisses).as("one verification per worker at most").isBetween(1L, 2L);
    assertThat(counter("jwt_cache_hit") - hits).isEqualTo(6 - newMisses);

    int mid = token.lastIndexOf('.') + 20; // a character well inside the signature: still base64url, another value
    String forged = token.substring(0, mid) + (token.charAt(mid) == 'A' ? 'B' : 'A') + token.substring(mid + 1);
    RawResponse r = get("/api/cached", "Authorization: Bearer " + forged);
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.body()).isEqualTo("Jwt verification fails");
  }

  @Test
  void ps256AndEs256TokensAndTheAccessTokenParameterAreAccepted() throws Exception {
    String body = claims(ISS, "\"https://api.example/\"", TestJwt.in(600)); // aud compared without scheme and '/'
    assertThat(get("/ps", "Authorization: Bearer " + rsa.sign("PS256", body)).status()).isEqualTo(200);
    assertThat(get("/es", "Authorization: Bearer " + ec.sign("ES256", body)).status()).isEqualTo(200);
    assertThat(get("/param?access_token=" + ec.sign("ES256", body)).status()).isEqualTo(200);
  }

  @Test
  void aMissingTokenIs401WithABearerChallengeWithoutAnError() throws Exception {
    int before = up.requests.get();
    long denied = counter("denied");
    RawResponse r = get("/api/x?y=1");
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.body()).isEqualTo("Jwt is missing");
    assertThat(r.header("www-authenticate")).containsExactly("Bearer realm=\"http://svc/api/x?y=1\"");
    assertThat(up.requests.get()).isEqualTo(before);
    assertThat(counter("denied")).isEqualTo(denied + 1);
    // A token after another scheme is not found either.
    assertThat(get("/api/x", "Authorization: Basic " + good()).body()).isEqualTo("Jwt is missing");
  }

  @Test
  void badTokensGetEnvoysStatusBodyAndInvalidTokenChallenge() throws Exception {
    assertDenied(rsa.sign("RS256", claims(ISS, "\"api.example\"", TestJwt.in(-3600))), 401, "Jwt is expired");
    assertDenied(rsa.sign("RS256", "{\"iss\":\"" + ISS + "\",\"aud\":\"api.example\",\"nbf\":" + TestJwt.in(3600) + "}"), 401,
        "Jwt not yet valid");
    assertDenied(rsa.sign("RS256", claims(ISS, "\"elsewhere\"", TestJwt.in(600))), 403, "Audiences in Jwt are not allowed");
    assertDenied(rsa.sign("RS256", claims("https://evil.example", "\"api.example\"", TestJwt.in(600))), 401,
        "Jwt issuer is not configured");
    // Same kid, another key: the key fits but the signature does not verify.
    assertDenied(TestJwt.rsa("rsa-1").sign("RS256", claims(ISS, "\"api.example\"", TestJwt.in(600))), 401, "Jwt verification fails");
    // A kid no key has: no key to try.
    assertDenied(TestJwt.rsa("unknown-kid").sign("RS384", claims(ISS, "\"api.example\"", TestJwt.in(600))), 401,
        "Jwks doesn't have key to match kid or alg from Jwt");
    String[] parts = good().split("\\.");
    assertDenied(parts[0] + "." + parts[1], 401, "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections");
    // An expired token within the 60 s default clock skew still passes.
    assertThat(get("/skew", "Authorization: Bearer " + rsa.sign("RS256", claims(ISS, "\"api.example\"", TestJwt.in(-30))))
        .status()).isEqualTo(200);
  }

  private void assertDenied(String token, int status, String body) throws Exception {
    RawResponse r = get("/api/denied", "Authorization: Bearer " + token);
    assertThat(r.status()).as(body).isEqualTo(status);
    assertThat(r.body()).isEqualTo(body);
    assertThat(r.header("www-authenticate")).containsExactly("Bearer realm=\"http://svc/api/denied\", error=\"invalid_token\"");
  }

  @Test
  void allowMissingPassesWithoutATokenButNotWithABadOne() throws Exception {
    assertThat(get("/optional").status()).isEqualTo(200);
    assertThat(get("/optional", "Authorization: Bearer " + good()).status()).isEqualTo(200);
    RawResponse bad = get("/optional", "Authorization: Bearer " + rsa.sign("RS256", claims(ISS, "\"api.example\"", TestJwt.in(-3600))));
    assertThat(bad.status()).isEqualTo(401);
    assertThat(bad.body()).isEqualTo("Jwt is expired");
  }

  @Test
  void requiresAnyAcceptsEitherProviderInItsOwnLocation() throws Exception {
    String otherToken = other.sign("ES384", "{\"iss\":\"other-issuer\",\"sub\":\"bob\"}");
    RawResponse r = get("/any", "x-other-token: " + otherToken);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.upstreamSaw("x-other-token")).containsExactly(otherToken); // forward: true keeps it
    assertThat(get("/any", "Authorization: Bearer " + good()).status()).isEqualTo(200);
    assertThat(get("/any").body()).isEqualTo("Jwt is missing");
    // The other provider's token in main's location: main says its issuer is not configured.
    assertThat(get("/any", "Authorization: Bearer " + otherToken).body()).isEqualTo("Jwt issuer is not configured");
  }

  @Test
  void aRuleWithoutRequirementAndADisabledRouteNeedNoToken() throws Exception {
    long allowed = counter("allowed");
    assertThat(get("/open/x").status()).isEqualTo(200);
    assertThat(get("/unprotected/x").status()).isEqualTo(200);
    assertThat(counter("allowed")).isEqualTo(allowed + 2);
  }

  @Test
  void aPerRouteRequirementNameSelectsFromTheMapAndAMissingOneIs403() throws Exception {
    String otherToken = other.sign("ES384", "{\"iss\":\"other-issuer\"}");
    assertThat(get("/named", "x-other-token: " + otherToken).status()).isEqualTo(200);
    assertThat(get("/named", "Authorization: Bearer " + good()).body()).isEqualTo("Jwt is missing"); // main's token is not asked for
    RawResponse wrong = get("/wrong-name", "Authorization: Bearer " + good());
    assertThat(wrong.status()).isEqualTo(403);
    assertThat(wrong.body()).isEqualTo("Failed JWT authentication: Wrong requirement_name: nope. It should be one of [other-only]");
    assertThat(wrong.header("www-authenticate")).isEmpty();
  }

  @Test
  void anHs256TokenVerifiesWithAnOctKeyAndAnotherSecretFails() throws Exception {
    assertThat(get("/hmac", "x-hmac-token: " + TestJwt.hs256(SECRET, "h1", "{\"iss\":\"hmac-issuer\"}")).status()).isEqualTo(200);
    byte[] wrong = "another secret of thirty-two b!!".getBytes(StandardCharsets.US_ASCII);
    assertThat(get("/hmac", "x-hmac-token: " + TestJwt.hs256(wrong, "h1", "{\"iss\":\"hmac-issuer\"}")).body())
        .isEqualTo("Jwt verification fails");
  }

  @Test
  void aClaimHeaderWithClearRouteCacheIsRoutedOn() throws Exception {
    // The route was matched (for the per-route config lookup) before the claim header existed; clear_route_cache
    // makes the router match again and take the route that needs x-jwt-sub: alice.
    RawResponse r = get("/by-claim", "Authorization: Bearer " + good());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("alice's route");
    assertThat(get("/by-claim", "x-jwt-sub: alice").status()).isEqualTo(401); // a forged claim header needs a token
  }
}

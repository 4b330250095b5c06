package io.wasmplane.dataplane.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestJwt;
import io.wasmplane.dataplane.testing.TestUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * What istiod writes for a RequestAuthentication (one jwtRule, JWKS inlined) and an ALLOW AuthorizationPolicy with
 * {@code requestPrincipals: ["https://issuer.example/alice"]} and a rule on {@code request.auth.claims[scope]}:
 * jwt_authn (requires_any [provider, allow_missing], payload_in_metadata "payload", scope/permission normalised to
 * lists, CORS preflight bypassed) ahead of RBAC whose principals are metadata matchers on
 * envoy.filters.http.jwt_authn / payload / iss|sub|scope. The right principal passes, another is denied by RBAC,
 * a claim in a space-delimited scope passes, no token is denied by RBAC (not by JWT), a bad token by JWT.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class JwtRbacIstioTest {
  private static final String ISS = "https://issuer.example";

  private static final String HCM = """
      route_config:
        name: inbound|8080||
        virtual_hosts:
        - name: inbound|http|8080
          domains: ["*"]
          routes: [{match: {prefix: "/"}, route: {cluster: a}}]
      http_filters:
      - name: envoy.filters.http.jwt_authn
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
          providers:
            origins-0:
              issuer: %1$s
              local_jwks: {inline_string: '%2$s'}
              payload_in_metadata: payload
              normalize_payload_in_metadata: {space_delimited_claims: [permission, scope]}
          rules:
          - match: {prefix: "/"}
            requires:
              requires_any:
                requirements: [{provider_name: origins-0}, {allow_missing: {}}]
          bypass_cors_preflight: true
      - name: envoy.filters.http.rbac
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
          rules:
            action: ALLOW
            policies:
              "ns[default]-policy[jwt]-rule[0]":
                permissions: [{and_rules: {rules: [{any: true}]}}]
                principals:
                - and_ids:
                    ids:
                    - or_ids:
                        ids:
                        - and_ids:
                            ids:
                            - metadata:
                                filter: envoy.filters.http.jwt_authn
                                path: [{key: payload}, {key: iss}]
                                value: {string_match: {exact: "%1$s"}}
                            - metadata:
                                filter: envoy.filters.http.jwt_authn
                                path: [{key: payload}, {key: sub}]
                                value: {string_match: {exact: alice}}
              "ns[default]-policy[jwt]-rule[1]":
                permissions: [{and_rules: {rules: [{any: true}]}}]
                principals:
                - and_ids:
                    ids:
                    - or_ids:
                        ids:
                        - metadata:
                            filter: envoy.filters.http.jwt_authn
                            path: [{key: payload}, {key: scope}]
                            value:
                              or_match:
                                value_matchers:
                                - list_match: {one_of: {string_match: {exact: admin}}}
                                - string_match: {exact: admin}
      - name: envoy.filters.http.router
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
      """;

  private TestJwt key;
  private TestUpstream up;
  private Dataplane dp;
  private int port;

  @BeforeAll
  void start() throws Exception {
    key = TestJwt.rsa("k1");
    up = new TestUpstream("a");
    dp = Bootstraps.start(Bootstraps.hcmListener(HCM.formatted(ISS, TestJwt.jwks(key)), null,
        Bootstraps.staticCluster("a", up.port(), null)));
    port = dp.port("ingress");
  }

  @AfterAll
  void stop() throws Exception {
    dp.close();
    up.close();
  }

  private RawResponse as(String sub, String scope) throws Exception {
    String token = key.sign("RS256", "{\"iss\":\"" + ISS + "\",\"sub\":\"" + sub + "\",\"scope\":\"" + scope + "\",\"exp\":"
        + TestJwt.in(600) + "}");
    return RawResponse.get(port, "svc", "/data", "Authorization: Bearer " + token);
  }

  private long counter(String name) {
    return dp.server().stats().snapshot().counter("http.ingress_http." + name);
  }

  @Test
  void theRequestPrincipalThePolicyNamesIsAllowedAndAnotherDenied() throws Exception {
    long rbacDenied = counter("rbac.denied");
    assertThat(as("alice", "read").status()).isEqualTo(200);
    RawResponse bob = as("bob", "read");
    assertThat(bob.status()).isEqualTo(403);
    assertThat(bob.body()).isEqualTo("RBAC: access denied");
    assertThat(counter("rbac.denied")).isEqualTo(rbacDenied + 1);
  }

  @Test
  void aClaimInASpaceDelimitedScopeMatchesAsAListElement() throws Exception {
    assertThat(as("bob", "read admin write").status()).isEqualTo(200);
    assertThat(as("bob", "administrator").status()).isEqualTo(403);
  }

  @Test
  void noTokenPassesJwtButRbacDeniesIt() throws Exception {
    long jwtAllowed = counter("jwt_authn.allowed");
    RawResponse r = RawResponse.get(port, "svc", "/data");
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.body()).isEqualTo("RBAC: access denied");
    assertThat(counter("jwt_authn.allowed")).isEqualTo(jwtAllowed + 1);
  }

  @Test
  void aBadTokenIsRejectedByJwtBeforeRbac() throws Exception {
    String forged = TestJwt.rsa("k1").sign("RS256", "{\"iss\":\"" + ISS + "\",\"sub\":\"alice\"}");
    RawResponse r = RawResponse.get(port, "svc", "/data", "Authorization: Bearer " + forged);
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.body()).isEqualTo("Jwt verification fails");
  }

  @Test
  void aCorsPreflightBypassesJwt() throws Exception {
    long bypassed = counter("jwt_authn.cors_preflight_bypassed");
    RawResponse.send(port, "OPTIONS", "svc", "/data", "Origin: https://app.example", "Access-Control-Request-Method: GET");
    assertThat(counter("jwt_authn.cors_preflight_bypassed")).isEqualTo(bypassed + 1);
  }
}

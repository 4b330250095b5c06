package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.counter;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.controlplane.ControlPlane;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestJwt;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An Istio-shaped inbound listener with a RequestAuthentication's jwt_authn (JWKS inlined) and an AuthorizationPolicy
 * on its request principal, from our control-plane-stub over ADS: ACKed and enforced (alice allowed, bob and no token
 * denied); edits with a malformed JWKS or a rule naming an unknown provider are NACKed naming the field, and the last
 * good listener keeps enforcing.
 */
@Timeout(90)
class JwtOverXdsTest {
  private static final String ISS = "https://issuer.example";

  @TempDir
  Path dir;

  private static String rollout(int listenerPort, int upstreamPort, String jwks, String ruleProvider) {
    return """
        listeners:
          - name: virtualInbound
            address: { socketAddress: { address: 127.0.0.1, portValue: %1$d } }
            filterChains:
              - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typedConfig:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      statPrefix: inbound_0.0.0.0_8080
                      routeConfig:
                        name: inbound|8080||
                        virtualHosts:
                          - name: inbound|http|8080
                            domains: ["*"]
                            routes: [{ match: { prefix: "/" }, route: { cluster: "inbound|8080||" } }]
                      httpFilters:
                        - name: envoy.filters.http.jwt_authn
                          typedConfig:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
                            providers:
                              origins-0:
                                issuer: %5$s
                                localJwks: { inlineString: '%3$s' }
                                payloadInMetadata: payload
                                normalizePayloadInMetadata: { spaceDelimitedClaims: [permission, scope] }
                            rules:
                              - match: { prefix: "/" }
                                requires: { requiresAny: { requirements: [{ providerName: %4$s }, { allowMissing: {} }] } }
                            bypassCorsPreflight: true
                        - name: envoy.filters.http.rbac
                          typedConfig:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                            rules:
                              policies:
                                "ns[default]-policy[jwt]-rule[0]":
                                  permissions: [{ andRules: { rules: [{ any: true }] } }]
                                  principals:
                                    - andIds:
                                        ids:
                                          - metadata:
                                              filter: envoy.filters.http.jwt_authn
                                              path: [{ key: payload }, { key: iss }]
                                              value: { stringMatch: { exact: "%5$s" } }
                                          - metadata:
                                              filter: envoy.filters.http.jwt_authn
                                              path: [{ key: payload }, { key: sub }]
                                              value: { stringMatch: { exact: alice } }
                        - name: envoy.filters.http.router
                          typedConfig: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
        clusters:
          - name: "inbound|8080||"
            type: STATIC
            connectTimeout: 1s
            loadAssignment:
              clusterName: "inbound|8080||"
              endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: 127.0.0.1, portValue: %2$d } } } }] }]
        """.formatted(listenerPort, upstreamPort, jwks, ruleProvider, ISS);
  }

  @Test
  void aRequestAuthenticationAndPrincipalPolicyAreEnforcedAndBadEditsAreNacked() throws Exception {
    TestJwt key = TestJwt.rsa("k1");
    String alice = key.sign("RS256", "{\"iss\":\"" + ISS + "\",\"sub\":\"alice\",\"exp\":" + TestJwt.in(600) + "}");
    String bob = key.sign("RS256", "{\"iss\":\"" + ISS + "\",\"sub\":\"bob\",\"exp\":" + TestJwt.in(600) + "}");
    int port = Ports.freePort();
    Path file = dir.resolve("rollout.yaml");
    try (TestUpstream up = new TestUpstream("app")) {
      Files.writeString(file, rollout(port, up.port(), TestJwt.jwks(key), "origins-0"));
      try (ControlPlane stub = ControlPlane.start(new ControlPlane.Options(file, 0, 0));
          Dataplane dp = Resources.startDataplane("sidecar-1", stub.xdsPort(), "GRPC")) {
        await("the listener serves", () -> status(port, alice) == 200);
        assertThat(status(port, bob)).isEqualTo(403);
        assertThat(status(port, null)).isEqualTo(403);
        assertThat(counter(dp, "http.inbound_0.0.0.0_8080.jwt_authn.allowed")).isGreaterThanOrEqualTo(3);
        assertThat(counter(dp, "listener_manager.lds.update_rejected")).isZero();

        Files.writeString(file, rollout(port, up.port(), "{\"keys\": \"none\"}", "origins-0"));
        await("the malformed JWKS is NACKed", () -> counter(dp, "listener_manager.lds.update_rejected") >= 1);
        await("the stub shows the NACK", () -> Resources.stubStatus(stub).contains("array is required"));
        assertThat(Resources.stubStatus(stub)).contains("envoy.filters.http.jwt_authn.typed_config.providers[origins-0].local_jwks");

        Files.writeString(file, rollout(port, up.port(), TestJwt.jwks(key), "origins-9"));
        await("the unknown provider is NACKed", () -> counter(dp, "listener_manager.lds.update_rejected") >= 2);
        await("the stub shows it", () -> Resources.stubStatus(stub).contains("required provider 'origins-9' is not configured"));
        assertThat(status(port, alice)).isEqualTo(200);
        assertThat(status(port, bob)).isEqualTo(403);
      }
    }
  }

  private static int status(int port, String token) {
    try {
      return token == null ? RawResponse.get(port, "app", "/").status()
          : RawResponse.get(port, "app", "/", "Authorization: Bearer " + token).status();
    } catch (Exception | AssertionError e) {
      return -1;
    }
  }
}

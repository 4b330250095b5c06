package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.counter;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.controlplane.ControlPlane;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An Istio-shaped inbound listener with an AuthorizationPolicy's envoy.filters.http.rbac, from our control-plane-stub
 * over ADS: ACKed and enforced; an edit adding a JWT request-principal rule whose {@code metadata} matcher has no
 * value pattern is NACKed naming the field, and the last good listener keeps enforcing its policy.
 */
@Timeout(90)
class RbacOverXdsTest {
  @TempDir
  Path dir;

  /** Under rules.policies: Istio's form of an AuthorizationPolicy rule on a JWT's request principal. */
  private static final String JWT_POLICY = io.wasmplane.dataplane.testing.Bootstraps.indent("""
      "ns[default]-policy[jwt]-rule[0]":
        permissions: [{ any: true }]
        principals:
          - metadata:
              filter: istio_authn
              path: [{ key: request.auth.principal }]
              value: {}
      """, 24);

  private static String rollout(int listenerPort, int upstreamPort, String extraPolicy) {
    return """
        listeners:
          - name: virtualInbound
            address: { socketAddress: { address: 127.0.0.1, portValue: %d } }
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
                        - name: envoy.filters.http.rbac
                          typedConfig:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                            rules:
                              policies:
                                "ns[default]-policy[teams]-rule[0]":
                                  permissions: [{ andRules: { rules: [{ header: { name: ":method", stringMatch: { exact: GET } } }] } }]
                                  principals: [{ andIds: { ids: [{ header: { name: x-team, stringMatch: { exact: blue } } }] } }]
        %s
                            shadowRulesStatPrefix: istio_dry_run_allow_
                        - name: envoy.filters.http.router
                          typedConfig: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
        clusters:
          - name: "inbound|8080||"
            type: STATIC
            connectTimeout: 1s
            loadAssignment:
              clusterName: "inbound|8080||"
              endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: 127.0.0.1, portValue: %d } } } }] }]
        """.formatted(listenerPort, extraPolicy, upstreamPort);
  }

  @Test
  void anAuthorizationPolicyIsEnforcedAndAJwtRuleWeCannotEvaluateIsNackedKeepingTheLastGoodPolicy() throws Exception {
    int port = Ports.freePort();
    Path file = dir.resolve("rollout.yaml");
    try (TestUpstream up = new TestUpstream("app")) {
      Files.writeString(file, rollout(port, up.port(), ""));
      try (ControlPlane stub = ControlPlane.start(new ControlPlane.Options(file, 0, 0));
          Dataplane dp = Resources.startDataplane("sidecar-1", stub.xdsPort(), "GRPC")) {
        await("the listener serves", () -> status(port, "x-team: blue") == 200);
        assertThat(status(port, "x-team: red")).isEqualTo(403);
        assertThat(counter(dp, "http.inbound_0.0.0.0_8080.rbac.denied")).isEqualTo(1);
        assertThat(counter(dp, "listener_manager.lds.update_rejected")).isZero();

        Files.writeString(file, rollout(port, up.port(), JWT_POLICY));
        await("the edit with a metadata principal is NACKed", () -> counter(dp, "listener_manager.lds.update_rejected") >= 1);
        await("the stub shows the NACK", () -> Resources.stubStatus(stub).contains("a match pattern is required"));
        assertThat(Resources.stubStatus(stub)).contains("virtualInbound")
            .contains("envoy.filters.http.rbac.typed_config.rules.policies[ns[default]-policy[jwt]-rule[0]].principals[0].metadata.value: "
                + "a match pattern is required");
        assertThat(status(port, "x-team: blue")).isEqualTo(200);
        assertThat(status(port, "x-team: red")).isEqualTo(403);
      }
    }
  }


  private static int status(int port, String header) {
    try {
      return RawResponse.get(port, "app", "/", header).status();
    } catch (Exception | AssertionError e) {
      return -1;
    }
  }
}

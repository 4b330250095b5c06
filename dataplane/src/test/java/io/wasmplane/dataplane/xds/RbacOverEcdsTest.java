package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.ads;
import static io.wasmplane.dataplane.xds.Resources.staticCluster;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.counter;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.EnvoyTypes;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.filters.http.rbac whose config comes over ECDS (a filter with config_discovery named "headers", as in
 * {@link EcdsWasmFilterTest}): enforced, swapped for new streams by an update, and an update with a rule we refuse is
 * NACKed naming the field while the previous policy keeps serving.
 */
@Timeout(60)
class RbacOverEcdsTest {
  static final String RBAC_TYPE = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC";

  private static TypedExtensionConfig rbac(String action, String principal) throws Exception {
    RBAC.Builder b = RBAC.newBuilder();
    EnvoyTypes.PARSER.merge("""
        {"rules": {"action": "%s", "policies": {"teams": {"permissions": [{"any": true}], "principals": [%s]}}}}
        """.formatted(action, principal), b);
    return TypedExtensionConfig.newBuilder().setName("headers").setTypedConfig(Any.pack(b.build())).build();
  }

  private static int status(int port, String team) {
    try {
      return RawResponse.get(port, "svc", "/", "x-team: " + team).status();
    } catch (Exception | AssertionError e) {
      return -1;
    }
  }

  @Test
  void anRbacConfigOverEcdsIsEnforcedSwappedAndARefusedUpdateIsNacked() throws Exception {
    String blue = "{\"header\": {\"name\": \"x-team\", \"stringMatch\": {\"exact\": \"blue\"}}}";
    int port = freePort();
    try (SmallAdsServer ads = new SmallAdsServer(); TestUpstream upstream = new TestUpstream("a")) {
      ads.set(EcdsWasmFilterTest.CDS, staticCluster("c1", upstream.port()));
      ads.set(EcdsWasmFilterTest.ECDS, rbac("ALLOW", blue));
      ads.set(EcdsWasmFilterTest.LDS, EcdsWasmFilterTest.listener(port,
          ExtensionConfigSource.newBuilder().setConfigSource(ads()).addTypeUrls(RBAC_TYPE)));
      try (Dataplane dp = Resources.startDataplane("dp-rbac", ads.port(), "GRPC")) {
        await("the ALLOW policy serves", () -> status(port, "blue") == 200);
        assertThat(status(port, "red")).isEqualTo(403);
        assertThat(counter(dp, "http.ingress.rbac.denied")).isEqualTo(1);

        ads.set(EcdsWasmFilterTest.ECDS, rbac("DENY", blue));
        await("the DENY update swaps the filter for new streams", () -> status(port, "blue") == 403);
        assertThat(status(port, "red")).isEqualTo(200);

        ads.set(EcdsWasmFilterTest.ECDS, rbac("DENY",
            "{\"metadata\": {\"filter\": \"istio_authn\", \"path\": [{\"key\": \"request.auth.principal\"}], \"value\": {}}}"));
        await("the NACK names the field", () -> ads.nacks.stream().anyMatch(n -> n.startsWith(EcdsWasmFilterTest.ECDS)
            && n.contains("ecds 'headers'") && n.contains("rules.policies[teams].principals[0].metadata.value: a match pattern is required")));
        assertThat(status(port, "blue")).isEqualTo(403);
        assertThat(status(port, "red")).isEqualTo(200);
      }
    }
  }
}

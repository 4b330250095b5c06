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
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.EnvoyTypes;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.filters.http.local_ratelimit whose config comes over ECDS (the filter named "headers" of
 * {@link EcdsWasmFilterTest}'s listener): enforced, replaced by an update (a new config brings a new, full bucket), and
 * an update with a zero fill_interval is NACKed naming the field while the previous limit keeps serving.
 */
@Timeout(60)
class LocalRateLimitOverEcdsTest {
  static final String TYPE = "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";

  private static TypedExtensionConfig limit(int maxTokens, String fillInterval) throws Exception {
    LocalRateLimit.Builder b = LocalRateLimit.newBuilder();
    EnvoyTypes.PARSER.merge("""
        {"statPrefix": "ecds_rl", "tokenBucket": {"maxTokens": %d, "fillInterval": "%s"},
         "filterEnabled": {"defaultValue": {"numerator": 100}}, "filterEnforced": {"defaultValue": {"numerator": 100}}}
        """.formatted(maxTokens, fillInterval), b);
    return TypedExtensionConfig.newBuilder().setName("headers").setTypedConfig(Any.pack(b.build())).build();
  }

  private static int status(int port) {
    try {
      return RawResponse.get(port, "svc", "/").status();
    } catch (Exception | AssertionError e) {
      return -1;
    }
  }

  @Test
  void aLocalRateLimitOverEcdsIsEnforcedReplacedAndARefusedUpdateIsNacked() throws Exception {
    int port = freePort();
    try (SmallAdsServer ads = new SmallAdsServer(); TestUpstream upstream = new TestUpstream("a")) {
      ads.set(EcdsWasmFilterTest.CDS, staticCluster("c1", upstream.port()));
      ads.set(EcdsWasmFilterTest.ECDS, limit(1, "3600s"));
      ads.set(EcdsWasmFilterTest.LDS, EcdsWasmFilterTest.listener(port,
          ExtensionConfigSource.newBuilder().setConfigSource(ads()).addTypeUrls(TYPE)));
      try (Dataplane dp = Resources.startDataplane("dp-local-rl", ads.port(), "GRPC")) {
        await("the one token is taken", () -> status(port) == 200);
        assertThat(status(port)).isEqualTo(429);
        assertThat(counter(dp, "ecds_rl.http_local_rate_limit.enforced")).isEqualTo(1);

        ads.set(EcdsWasmFilterTest.ECDS, limit(1000, "3600s"));
        await("the update brings a full bucket", () -> status(port) == 200); // 429s until it lands
        assertThat(status(port)).isEqualTo(200);
        long enforced = counter(dp, "ecds_rl.http_local_rate_limit.enforced");

        ads.set(EcdsWasmFilterTest.ECDS, limit(1, "0s"));
        await("the NACK names the field", () -> ads.nacks.stream().anyMatch(n -> n.startsWith(EcdsWasmFilterTest.ECDS)
            && n.contains("ecds 'headers'") && n.contains("token_bucket.fill_interval: must be greater than 0")));
        assertThat(status(port)).isEqualTo(200); // still the 1000-token limit
        assertThat(counter(dp, "ecds_rl.http_local_rate_limit.enforced")).isEqualTo(enforced);
      }
    }
  }
}

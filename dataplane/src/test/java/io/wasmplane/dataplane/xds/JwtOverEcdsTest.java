package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.ads;
import static io.wasmplane.dataplane.xds.Resources.staticCluster;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.EnvoyTypes;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestJwt;
import io.wasmplane.dataplane.testing.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.filters.http.jwt_authn whose config comes over ECDS (the filter "headers" of {@link EcdsWasmFilterTest}'s
 * listener): enforced, swapped by an update that rotates the JWKS (the old key's tokens now fail, the new key's pass),
 * and an update with a malformed JWKS NACKed naming the field while the last good config keeps serving.
 */
@Timeout(60)
class JwtOverEcdsTest {
  static final String JWT_TYPE = "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication";

  private static TypedExtensionConfig jwt(String jwks) throws Exception {
    JwtAuthentication.Builder b = JwtAuthentication.newBuilder();
    EnvoyTypes.PARSER.merge("""
        {"providers": {"p": {"issuer": "iss", "localJwks": {"inlineString": %s}}},
         "rules": [{"match": {"prefix": "/"}, "requires": {"providerName": "p"}}]}
        """.formatted(com.google.protobuf.util.JsonFormat.printer().print(com.google.protobuf.Value.newBuilder().setStringValue(jwks))), b);
    return TypedExtensionConfig.newBuilder().setName("headers").setTypedConfig(Any.pack(b.build())).build();
  }

  private static int status(int port, String token) {
    try {
      return RawResponse.get(port, "svc", "/", "Authorization: Bearer " + token).status();
    } catch (Exception | AssertionError e) {
      return -1;
    }
  }

  @Test
  void aJwtConfigOverEcdsIsEnforcedRotatedAndAMalformedJwksIsNacked() throws Exception {
    TestJwt first = TestJwt.rsa("k1");
    TestJwt second = TestJwt.ec("k2", "secp256r1");
    String claims = "{\"iss\":\"iss\",\"exp\":" + TestJwt.in(600) + "}";
    String firstToken = first.sign("RS256", claims);
    String secondToken = second.sign("ES256", claims);
    int port = freePort();
    try (SmallAdsServer ads = new SmallAdsServer(); TestUpstream upstream = new TestUpstream("a")) {
      ads.set(EcdsWasmFilterTest.CDS, staticCluster("c1", upstream.port()));
      ads.set(EcdsWasmFilterTest.ECDS, jwt(TestJwt.jwks(first)));
      ads.set(EcdsWasmFilterTest.LDS, EcdsWasmFilterTest.listener(port,
          ExtensionConfigSource.newBuilder().setConfigSource(ads()).addTypeUrls(JWT_TYPE)));
      try (Dataplane dp = Resources.startDataplane("dp-jwt", ads.port(), "GRPC")) {
        await("the first key's tokens pass", () -> status(port, firstToken) == 200);
        assertThat(status(port, secondToken)).isEqualTo(401);

        ads.set(EcdsWasmFilterTest.ECDS, jwt(TestJwt.jwks(second)));
        await("the rotated JWKS serves new streams", () -> status(port, secondToken) == 200);
        assertThat(status(port, firstToken)).isEqualTo(401);

        ads.set(EcdsWasmFilterTest.ECDS, jwt("{\"keys\": [{\"kty\": \"RSA\"}]}"));
        await("the NACK names the field", () -> ads.nacks.stream().anyMatch(n -> n.startsWith(EcdsWasmFilterTest.ECDS)
            && n.contains("providers[p].local_jwks.keys[0].n: required")));
        assertThat(status(port, secondToken)).isEqualTo(200);
      }
    }
  }
}

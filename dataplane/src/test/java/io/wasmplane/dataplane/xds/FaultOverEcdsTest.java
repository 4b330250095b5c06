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
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.filters.http.fault whose config arrives over ECDS (it reaches its stream's route and HCM stats through its
 * callbacks, so nothing ties it to one HCM): applied, counted under the HCM's stat prefix, swapped on update.
 */
@Timeout(60)
class FaultOverEcdsTest {
  private static final String FAULT = "type.googleapis.com/" + HTTPFault.getDescriptor().getFullName();

  private SmallAdsServer ads;
  private TestUpstream upstream;
  private Dataplane dp;

  @BeforeEach
  void setUp() throws Exception {
    ads = new SmallAdsServer();
    upstream = new TestUpstream("a");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (dp != null) {
      dp.close();
    }
    ads.close();
    upstream.close();
  }

  private static TypedExtensionConfig abort(int status) {
    HTTPFault fault = HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(status)
        .setPercentage(FractionalPercent.newBuilder().setNumerator(100))).build();
    return TypedExtensionConfig.newBuilder().setName("headers").setTypedConfig(Any.pack(fault)).build();
  }

  private static int status(int port) {
    try {
      return RawResponse.get(port, "h", "/x").status();
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void aFaultFilterFromEcdsAbortsAndCountsUnderItsConnectionManager() throws Exception {
    int port = freePort();
    ads.set(EcdsWasmFilterTest.CDS, staticCluster("c1", upstream.port()));
    ads.set(EcdsWasmFilterTest.ECDS, abort(418));
    ads.set(EcdsWasmFilterTest.LDS, EcdsWasmFilterTest.listener(port, ExtensionConfigSource.newBuilder().setConfigSource(ads())
        .addTypeUrls(FAULT)));
    dp = Resources.startDataplane("dp-1", ads.port(), "GRPC");

    await("the fault from ECDS answers", () -> status(port) == 418);
    RawResponse r = RawResponse.get(port, "h", "/x");
    assertThat(r.body()).isEqualTo("fault filter abort");
    assertThat(counter(dp, "http.ingress.fault.aborts_injected")).isEqualTo(2);
    assertThat(upstream.requests.get()).isZero();

    ads.set(EcdsWasmFilterTest.ECDS, abort(503));
    await("the update swaps the fault for new streams", () -> status(port) == 503);
    assertThat(upstream.requests.get()).isZero();
  }

  /** The same abort as an xds.type.v3.TypedStruct whose value is {@code faultJson}, as EnvoyFilter authors write it. */
  private static TypedExtensionConfig asTypedStruct(String faultJson) throws Exception {
    com.google.protobuf.Struct.Builder value = com.google.protobuf.Struct.newBuilder();
    com.google.protobuf.util.JsonFormat.parser().merge(faultJson, value);
    com.github.xds.type.v3.TypedStruct ts = com.github.xds.type.v3.TypedStruct.newBuilder().setTypeUrl(FAULT)
        .setValue(value).build();
    return TypedExtensionConfig.newBuilder().setName("headers").setTypedConfig(Any.pack(ts)).build();
  }

  @Test
  void aTypedStructConfigIsTheMessageItNamesAndABadOneIsNacked() throws Exception {
    int port = freePort();
    ads.set(EcdsWasmFilterTest.CDS, staticCluster("c1", upstream.port()));
    ads.set(EcdsWasmFilterTest.ECDS, asTypedStruct("{\"abort\": {\"http_status\": 451, \"percentage\": {\"numerator\": 100}}}"));
    ads.set(EcdsWasmFilterTest.LDS, EcdsWasmFilterTest.listener(port, ExtensionConfigSource.newBuilder().setConfigSource(ads())
        .addTypeUrls(FAULT)));
    dp = Resources.startDataplane("dp-1", ads.port(), "GRPC");
    await("the TypedStruct's fault answers", () -> status(port) == 451);

    ads.set(EcdsWasmFilterTest.ECDS, asTypedStruct("{\"abort\": {\"http_status\": 503, \"no_such_field\": 1}}"));
    await("the bad struct is NACKed", () -> ads.nacks.stream().anyMatch(n -> n.contains("no_such_field")));
    assertThat(ads.nacks).anyMatch(n -> n.contains("typed_config.value: not a valid envoy.extensions.filters.http.fault.v3.HTTPFault"));
    assertThat(status(port)).as("the last good config keeps serving").isEqualTo(451);
    assertThat(upstream.requests.get()).isZero();
  }
}

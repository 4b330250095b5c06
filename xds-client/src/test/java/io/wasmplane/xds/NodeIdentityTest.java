package io.wasmplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.wasmplane.xds.resource.ExtensionConfigResource;
import io.wasmplane.xds.resource.ExtensionConfigUpdate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The node goes out as Envoy sends it: on every request by default, only on the first with set_node_on_first_message_only. */
class NodeIdentityTest {
  static final Node NODE = Node.newBuilder().setId("dp-9").setCluster("edge")
      .setMetadata(Struct.newBuilder().putFields("team", Value.newBuilder().setStringValue("payments").build()))
      .setLocality(Locality.newBuilder().setRegion("eu").setZone("eu-2"))
      .setUserAgentName("wasmplane").setUserAgentVersion("0.1.0")
      .addClientFeatures("envoy.lb.does_not_support_overprovisioning")
      .build();

  @ParameterizedTest
  @EnumSource(XdsProtocol.class)
  void nodeOnEveryRequestOrOnlyTheFirst(XdsProtocol protocol) throws Exception {
    for (boolean firstOnly : new boolean[] {false, true}) {
      try (EcdsAdsServer server = new EcdsAdsServer()) {
        server.set("1", List.of(EcdsTest.filter("f", "x")));
        XdsClientConfig config = XdsClientConfig.builder(ServerTarget.uri("127.0.0.1:" + server.port()), NODE)
            .protocol(protocol).nodeOnFirstMessageOnly(firstOnly)
            .backoff(Duration.ofMillis(100), Duration.ofMillis(500)).build();
        try (XdsClient client = XdsClient.create(config, XdsStats.noop())) {
          RecordingWatcher<ExtensionConfigUpdate> w = new RecordingWatcher<>();
          client.watch(ExtensionConfigResource.INSTANCE, "f", w);
          Await.until("resource and ACK", () -> w.current.containsKey("f") && requestCount(server, protocol) >= 2);
          List<Node> nodes = protocol == XdsProtocol.DELTA
              ? server.deltaRequests.stream().map(r -> r.hasNode() ? r.getNode() : null).toList()
              : server.requests.stream().map(r -> r.hasNode() ? r.getNode() : null).toList();
          assertThat(nodes.get(0)).isEqualTo(NODE);
          if (firstOnly) {
            assertThat(nodes.subList(1, nodes.size())).containsOnlyNulls();
          } else {
            assertThat(nodes).allMatch(NODE::equals);
          }
        }
      }
    }
  }

  private static int requestCount(EcdsAdsServer server, XdsProtocol protocol) {
    return protocol == XdsProtocol.DELTA ? server.deltaRequests.size() : server.requests.size();
  }
}

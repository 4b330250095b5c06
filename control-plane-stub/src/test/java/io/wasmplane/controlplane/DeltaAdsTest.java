package io.wasmplane.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.wasmplane.controlplane.config.NodeBucket;
import io.wasmplane.controlplane.snapshot.TypeUrls;
import io.wasmplane.controlplane.xds.NodeStatusRegistry.NodeStatus;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Incremental ADS, and the standalone ECDS service, against a running stub over real gRPC. */
class DeltaAdsTest {
  private static final Node EDGE = AdsTestClient.node("edge-d", "edge", Map.of("canary", "false"));

  private StubFixture stub;
  private AdsTestClient client;

  @BeforeEach
  void start() throws Exception {
    stub = new StubFixture();
    client = new AdsTestClient(stub.cp.xdsPort()).openDelta();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    stub.close();
  }

  private static DeltaDiscoveryRequest subscribe(Node node, String type, List<String> names,
      Map<String, String> initialVersions) {
    DeltaDiscoveryRequest.Builder b = DeltaDiscoveryRequest.newBuilder().setTypeUrl(type)
        .addAllResourceNamesSubscribe(names).putAllInitialResourceVersions(initialVersions);
    if (node != null) {
      b.setNode(node);
    }
    return b.build();
  }

  private static DeltaDiscoveryRequest ack(DeltaDiscoveryResponse r) {
    return DeltaDiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setResponseNonce(r.getNonce()).build();
  }

  private static Map<String, String> versions(DeltaDiscoveryResponse r) {
    Map<String, String> m = new HashMap<>();
    r.getResourcesList().forEach(res -> m.put(res.getName(), res.getVersion()));
    return m;
  }

  @Test
  void initialResourcesAckAndNack() throws Exception {
    client.send(subscribe(EDGE, TypeUrls.LISTENER, List.of(), Map.of()));
    DeltaDiscoveryResponse lds = client.nextDelta();
    assertThat(lds.getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
    assertThat(lds.getResourcesList()).extracting(Resource::getName).containsExactlyInAnyOrder("http_in", "tcp_in");
    assertThat(lds.getResourcesList()).allSatisfy(r -> assertThat(r.getVersion()).isNotEmpty());
    assertThat(lds.getSystemVersionInfo()).isNotEmpty();
    client.send(ack(lds));

    client.send(subscribe(null, TypeUrls.EXTENSION_CONFIG, List.of("auth", "stats", "l4"), Map.of()));
    DeltaDiscoveryResponse ecds = client.nextDelta();
    assertThat(ecds.getResourcesList()).extracting(Resource::getName).containsExactlyInAnyOrder("auth", "stats", "l4");
    TypedExtensionConfig auth = ecds.getResourcesList().stream().filter(r -> r.getName().equals("auth"))
        .findFirst().orElseThrow().getResource().unpack(TypedExtensionConfig.class);
    assertThat(SotwAdsTest.pluginConfig(auth).getVmConfig().getCode().getRemote().getSha256())
        .isEqualTo(stub.sha("auth_v1.wasm"));
    client.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.EXTENSION_CONFIG)
        .setResponseNonce(ecds.getNonce())
        .setErrorDetail(Status.newBuilder().setCode(13).setMessage("stats: sha256 mismatch")).build());
    // No resend of NACKed content.
    assertThat(client.poll(Duration.ofMillis(400))).isNull();

    NodeStatus st = awaitNode(s -> s.types().containsKey("ECDS") && s.types().get("ECDS").lastNackError() != null
        && s.types().get("LDS").ackedVersion() != null);
    assertThat(st.types().get("LDS").ackedVersion()).isEqualTo(lds.getSystemVersionInfo());
    assertThat(st.types().get("ECDS").nackedVersion()).isEqualTo(ecds.getSystemVersionInfo());
    assertThat(st.types().get("ECDS").lastNackError()).isEqualTo("stats: sha256 mismatch");
    assertThat(st.plugins()).extracting(p -> p.filter() + "=" + p.rejected())
        .containsExactlyInAnyOrder("auth=v1", "stats=base", "l4=base");
  }

  @Test
  void reconnectWithInitialVersionsOnlyGetsWhatChanged() throws Exception {
    client.send(subscribe(EDGE, TypeUrls.LISTENER, List.of("*"), Map.of()));
    DeltaDiscoveryResponse first = client.nextDelta();
    Map<String, String> held = versions(first);
    assertThat(held).containsOnlyKeys("http_in", "tcp_in");
    client.close();

    // Same content held: the answer carries nothing.
    client = new AdsTestClient(stub.cp.xdsPort()).openDelta();
    client.send(subscribe(EDGE, TypeUrls.LISTENER, List.of("*"), held));
    DeltaDiscoveryResponse same = client.nextDelta();
    assertThat(same.getResourcesList()).isEmpty();
    assertThat(same.getRemovedResourcesList()).isEmpty();
    client.close();

    // One stale version and one listener that no longer exists: exactly that one is sent, the other removed.
    Map<String, String> stale = new HashMap<>(held);
    stale.put("tcp_in", "old");
    stale.put("gone_listener", "x");
    client = new AdsTestClient(stub.cp.xdsPort()).openDelta();
    client.send(subscribe(EDGE, TypeUrls.LISTENER, List.of("*"), stale));
    DeltaDiscoveryResponse diff = client.nextDelta();
    assertThat(diff.getResourcesList()).extracting(Resource::getName).containsExactly("tcp_in");
    assertThat(diff.getRemovedResourcesList()).containsExactly("gone_listener");
    // /status shows what the node said it held when it re-subscribed.
    assertThat(awaitNode(s -> s.types().containsKey("LDS")).types().get("LDS").subscribedWith())
        .isEqualTo("gone_listener=x,http_in=" + held.get("http_in") + ",tcp_in=old");
  }

  @Test
  void removingAPluginRemovesItsEcdsResourceAndFilter() throws Exception {
    client.send(subscribe(EDGE, TypeUrls.LISTENER, List.of(), Map.of()));
    client.send(ack(client.nextDelta()));
    client.send(subscribe(null, TypeUrls.EXTENSION_CONFIG, List.of("auth", "stats"), Map.of()));
    client.send(ack(client.nextDelta()));
    // Also ask for a name that does not exist: it is answered as removed at once.
    client.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.EXTENSION_CONFIG)
        .addResourceNamesSubscribe("nope").build());
    DeltaDiscoveryResponse nope = client.nextDelta();
    assertThat(nope.getResourcesList()).isEmpty();
    assertThat(nope.getRemovedResourcesList()).containsExactly("nope");
    client.send(ack(nope));

    String withoutStats = StubFixture.BASE_YAML.replaceAll(
        "(?s)  - name: stats\\n.*?pluginConfig: \\{ key: 1, nested: \\{ x: true }, name: \"s\" }\\n", "");
    assertThat(withoutStats).doesNotContain("name: stats");
    stub.rewrite(withoutStats);

    // The listener stops referencing the filter first, then its config is removed.
    DeltaDiscoveryResponse lds = client.take(DeltaDiscoveryResponse.class, Duration.ofSeconds(3));
    DeltaDiscoveryResponse ecds = client.take(DeltaDiscoveryResponse.class, Duration.ofSeconds(3));
    assertThat(lds.getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
    assertThat(ecds.getTypeUrl()).isEqualTo(TypeUrls.EXTENSION_CONFIG);
    assertThat(ecds.getResourcesList()).isEmpty();
    assertThat(ecds.getRemovedResourcesList()).containsExactly("stats");
    assertThat(lds.getResourcesList()).extracting(Resource::getName).containsExactly("http_in");
    HttpConnectionManager hcm = lds.getResources(0).getResource().unpack(Listener.class).getFilterChains(0)
        .getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName)
        .containsExactly("auth", "envoy.filters.http.router");
  }

  @Test
  void percentageRolloutGivesNodesOnEitherSideOfTheCutDifferentVersions() throws Exception {
    stub.rewrite(StubFixture.BASE_YAML.replace("selector: { metadata: { canary: \"true\" } }", "percentage: 50"));
    awaitGeneration(2);
    String low = null;
    String high = null;
    for (int i = 0; (low == null || high == null) && i < 1000; i++) {
      String id = "pct-" + i;
      if (NodeBucket.of("auth", id) < 50) {
        low = low == null ? id : low;
      } else {
        high = high == null ? id : high;
      }
    }
    assertThat(versionLabelOverDelta(low)).isEqualTo(stub.sha("auth_v2.wasm"));
    assertThat(versionLabelOverDelta(high)).isEqualTo(stub.sha("auth_v1.wasm"));
    assertThat(versionLabelOverDelta(low)).as("stable across connections").isEqualTo(stub.sha("auth_v2.wasm"));
  }

  @Test
  void standaloneEcdsServiceServesExtensionConfigsOnly() throws Exception {
    try (AdsTestClient ecds = new AdsTestClient(stub.cp.xdsPort()).openEcdsSotw()) {
      ecds.send(SotwAdsTest.request(EDGE, TypeUrls.LISTENER));
      ecds.send(SotwAdsTest.request(null, TypeUrls.EXTENSION_CONFIG, "stats"));
      DiscoveryResponse r = ecds.next();
      assertThat(r.getTypeUrl()).isEqualTo(TypeUrls.EXTENSION_CONFIG);
      assertThat(SotwAdsTest.unpack(r, TypedExtensionConfig.class)).extracting(TypedExtensionConfig::getName)
          .containsExactly("stats");
      assertThat(ecds.poll(Duration.ofMillis(300))).isNull();
    }
    var channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", stub.cp.xdsPort())
        .usePlaintext().build();
    try {
      DiscoveryResponse fetched = io.envoyproxy.envoy.service.extension.v3.ExtensionConfigDiscoveryServiceGrpc
          .newBlockingStub(channel).withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
          .fetchExtensionConfigs(SotwAdsTest.request(AdsTestClient.node("f", "edge", Map.of("canary", "true")),
              TypeUrls.EXTENSION_CONFIG, "auth", "l4"));
      List<TypedExtensionConfig> got = SotwAdsTest.unpack(fetched, TypedExtensionConfig.class);
      assertThat(got).extracting(TypedExtensionConfig::getName).containsExactlyInAnyOrder("auth", "l4");
      TypedExtensionConfig auth = got.stream().filter(t -> t.getName().equals("auth")).findFirst().orElseThrow();
      assertThat(SotwAdsTest.pluginConfig(auth).getVmConfig().getCode().getRemote().getSha256())
          .isEqualTo(stub.sha("auth_v2.wasm"));
    } finally {
      channel.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  private String versionLabelOverDelta(String nodeId) throws Exception {
    try (AdsTestClient c = new AdsTestClient(stub.cp.xdsPort()).openDelta()) {
      c.send(subscribe(AdsTestClient.node(nodeId, "mesh", Map.of()), TypeUrls.EXTENSION_CONFIG, List.of("auth"),
          Map.of()));
      TypedExtensionConfig t = c.nextDelta().getResources(0).getResource().unpack(TypedExtensionConfig.class);
      return SotwAdsTest.pluginConfig(t).getVmConfig().getCode().getRemote().getSha256();
    }
  }

  private void awaitGeneration(long generation) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (stub.cp.status().generation() < generation) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("config generation " + generation + " never loaded: " + stub.cp.status());
      }
      Thread.sleep(20);
    }
  }

  private NodeStatus awaitNode(java.util.function.Predicate<NodeStatus> ready) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline) {
      for (NodeStatus s : stub.cp.nodes().view()) {
        if (s.id().equals(EDGE.getId()) && ready.test(s)) {
          return s;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("node never reached the expected state: " + stub.cp.nodes().view());
  }
}

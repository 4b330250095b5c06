package io.wasmplane.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.RemoteDataSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.wasm.v3.FailurePolicy;
import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.wasmplane.controlplane.config.Sha256;
import io.wasmplane.controlplane.snapshot.TypeUrls;
import io.wasmplane.controlplane.xds.NodeStatusRegistry.NodeStatus;
import io.wasmplane.controlplane.xds.NodeStatusRegistry.PluginStatus;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** State-of-the-world ADS against a running stub, over real gRPC and HTTP on loopback. */
class SotwAdsTest {
  private static final Node EDGE = AdsTestClient.node("edge-1", "edge", Map.of("canary", "false"));

  private StubFixture stub;
  private AdsTestClient client;

  @BeforeEach
  void start() throws Exception {
    stub = new StubFixture();
    client = new AdsTestClient(stub.cp.xdsPort()).openSotw();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    stub.close();
  }

  static DiscoveryRequest request(Node node, String type, String... names) {
    DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder().setTypeUrl(type).addAllResourceNames(List.of(names));
    if (node != null) {
      b.setNode(node);
    }
    return b.build();
  }

  static DiscoveryRequest ack(DiscoveryResponse r, String... names) {
    return DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo(r.getVersionInfo())
        .setResponseNonce(r.getNonce()).addAllResourceNames(List.of(names)).build();
  }

  static DiscoveryRequest nack(DiscoveryResponse r, String previousVersion, String error, String... names) {
    return DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo(previousVersion)
        .setResponseNonce(r.getNonce()).addAllResourceNames(List.of(names))
        .setErrorDetail(Status.newBuilder().setCode(3).setMessage(error)).build();
  }

  static <T extends com.google.protobuf.Message> List<T> unpack(DiscoveryResponse r, Class<T> type)
      throws Exception {
    List<T> out = new ArrayList<>();
    for (Any a : r.getResourcesList()) {
      out.add(a.unpack(type));
    }
    return out;
  }

  static PluginConfig pluginConfig(TypedExtensionConfig t) throws Exception {
    Any a = t.getTypedConfig();
    if (a.getTypeUrl().equals(TypeUrls.NETWORK_WASM)) {
      return a.unpack(io.envoyproxy.envoy.extensions.filters.network.wasm.v3.Wasm.class).getConfig();
    }
    assertThat(a.getTypeUrl()).isEqualTo(TypeUrls.HTTP_WASM);
    return a.unpack(io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm.class).getConfig();
  }

  @Test
  void initialSnapshotHasEveryTypeForTheNode() throws Exception {
    client.send(request(EDGE, TypeUrls.LISTENER));
    DiscoveryResponse lds = client.next();
    assertThat(lds.getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
    assertThat(lds.getVersionInfo()).isNotEmpty();
    assertThat(lds.getNonce()).isNotEmpty();
    List<Listener> listeners = unpack(lds, Listener.class);
    assertThat(listeners).extracting(Listener::getName).containsExactlyInAnyOrder("http_in", "tcp_in");

    Listener http = listeners.stream().filter(l -> l.getName().equals("http_in")).findFirst().orElseThrow();
    HttpConnectionManager hcm = http.getFilterChains(0).getFilters(0).getTypedConfig()
        .unpack(HttpConnectionManager.class);
    // AUTHN before STATS, both before the router; l4 is a network plugin and not here.
    assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName)
        .containsExactly("auth", "stats", "envoy.filters.http.router");
    HttpFilter auth = hcm.getHttpFilters(0);
    assertThat(auth.hasTypedConfig()).isFalse();
    assertThat(auth.getConfigDiscovery().getTypeUrlsList()).containsExactly(TypeUrls.HTTP_WASM);
    assertThat(auth.getConfigDiscovery().getConfigSource().hasAds()).isTrue();
    assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("r1");

    Listener tcp = listeners.stream().filter(l -> l.getName().equals("tcp_in")).findFirst().orElseThrow();
    assertThat(tcp.getFilterChains(0).getFiltersList()).extracting(Filter::getName)
        .containsExactly("l4", "envoy.filters.network.tcp_proxy");
    assertThat(tcp.getFilterChains(0).getFilters(0).getConfigDiscovery().getTypeUrlsList())
        .containsExactly(TypeUrls.NETWORK_WASM);

    client.send(request(null, TypeUrls.CLUSTER));
    List<Cluster> clusters = unpack(client.next(), Cluster.class);
    assertThat(clusters).extracting(Cluster::getName).containsExactlyInAnyOrder("up", "wasm_modules");
    Cluster modules = clusters.stream().filter(c -> c.getName().equals("wasm_modules")).findFirst().orElseThrow();
    assertThat(modules.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
        .getSocketAddress().getPortValue()).isEqualTo(stub.cp.httpPort());

    client.send(request(null, TypeUrls.ROUTE, "r1"));
    assertThat(unpack(client.next(), RouteConfiguration.class)).extracting(RouteConfiguration::getName)
        .containsExactly("r1");
    client.send(request(null, TypeUrls.ENDPOINT, "up"));
    List<ClusterLoadAssignment> cla = unpack(client.next(), ClusterLoadAssignment.class);
    assertThat(cla).extracting(ClusterLoadAssignment::getClusterName).containsExactly("up");
    client.send(request(null, TypeUrls.EXTENSION_CONFIG, "auth", "stats", "l4"));
    assertThat(unpack(client.next(), TypedExtensionConfig.class)).extracting(TypedExtensionConfig::getName)
        .containsExactlyInAnyOrder("auth", "stats", "l4");
  }

  @Test
  void ecdsResourcePointsAtTheServedModuleWithItsSha256() throws Exception {
    client.send(request(EDGE, TypeUrls.EXTENSION_CONFIG, "auth", "stats", "l4"));
    Map<String, TypedExtensionConfig> byName = new java.util.HashMap<>();
    for (TypedExtensionConfig t : unpack(client.next(), TypedExtensionConfig.class)) {
      byName.put(t.getName(), t);
    }
    PluginConfig auth = pluginConfig(byName.get("auth"));
    assertThat(auth.getName()).isEqualTo("auth");
    assertThat(auth.getRootId()).isEqualTo("auth_root");
    assertThat(auth.getVmConfig().getVmId()).isEqualTo("vm_auth");
    assertThat(auth.getFailurePolicy()).isEqualTo(FailurePolicy.FAIL_OPEN);
    assertThat(auth.getConfiguration().unpack(StringValue.class).getValue()).isEqualTo("mode=v1");
    assertThat(auth.getVmConfig().getEnvironmentVariables().getKeyValuesMap()).containsExactly(
        Map.entry("MODE", "strict"));
    assertThat(auth.getVmConfig().getEnvironmentVariables().getHostEnvKeysList()).containsExactly("HOME");

    RemoteDataSource remote = auth.getVmConfig().getCode().getRemote();
    String expectedSha = stub.sha("auth_v1.wasm");
    assertThat(remote.getSha256()).isEqualTo(expectedSha);
    assertThat(remote.getHttpUri().getCluster()).isEqualTo("wasm_modules");
    assertThat(remote.getHttpUri().getTimeout().getSeconds()).isEqualTo(3);
    assertThat(remote.getRetryPolicy().getNumRetries().getValue()).isEqualTo(2);
    assertThat(remote.getHttpUri().getUri())
        .isEqualTo("http://127.0.0.1:" + stub.cp.httpPort() + "/modules/" + expectedSha + ".wasm");

    // Fetch what the data plane would fetch, for real, and hash it.
    HttpResponse<byte[]> got = stub.fetch(remote.getHttpUri().getUri());
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(Sha256.hex(got.body())).isEqualTo(remote.getSha256());
    assertThat(got.body()).isEqualTo(Files.readAllBytes(stub.dir.resolve("auth_v1.wasm")));
    assertThat(got.headers().firstValueAsLong("content-length")).hasValue(got.body().length);
    assertThat(stub.get("/modules/" + "0".repeat(64) + ".wasm").statusCode()).isEqualTo(404);

    PluginConfig stats = pluginConfig(byName.get("stats"));
    assertThat(stats.getFailurePolicy()).isEqualTo(FailurePolicy.FAIL_RELOAD);
    assertThat(stats.getConfiguration().unpack(StringValue.class).getValue())
        .isEqualTo("{\"key\":1,\"nested\":{\"x\":true},\"name\":\"s\"}");
    assertThat(byName.get("l4").getTypedConfig().getTypeUrl()).isEqualTo(TypeUrls.NETWORK_WASM);
    assertThat(pluginConfig(byName.get("l4")).getFailurePolicy()).isEqualTo(FailurePolicy.FAIL_CLOSED);
  }

  @Test
  void namedAndWildcardSubscriptions() throws Exception {
    client.send(request(EDGE, TypeUrls.EXTENSION_CONFIG, "stats"));
    DiscoveryResponse first = client.next();
    assertThat(unpack(first, TypedExtensionConfig.class)).extracting(TypedExtensionConfig::getName)
        .containsExactly("stats");
    // Widening the subscription (with the ACK's nonce) sends the larger set.
    client.send(ack(first, "stats", "auth"));
    assertThat(unpack(client.next(), TypedExtensionConfig.class)).extracting(TypedExtensionConfig::getName)
        .containsExactlyInAnyOrder("stats", "auth");

    // LDS named: only that listener; then "*" switches to everything.
    client.send(request(null, TypeUrls.LISTENER, "tcp_in"));
    DiscoveryResponse named = client.next();
    assertThat(unpack(named, Listener.class)).extracting(Listener::getName).containsExactly("tcp_in");
    client.send(ack(named, "*"));
    assertThat(unpack(client.next(), Listener.class)).extracting(Listener::getName)
        .containsExactlyInAnyOrder("tcp_in", "http_in");

    // RDS is never wildcard by omission: an empty first request gets an empty answer; an unknown name none.
    client.send(request(null, TypeUrls.ROUTE));
    DiscoveryResponse rds = client.next();
    assertThat(rds.getResourcesList()).isEmpty();
    client.send(ack(rds, "no_such_route"));
    Object more = client.poll(Duration.ofMillis(300));
    if (more != null) {
      assertThat(((DiscoveryResponse) more).getResourcesList()).isEmpty();
    }
  }

  @Test
  void aReconnectingClientIsAnsweredDespiteItsOldNonceAndUnknownTypesAreIgnored() throws Exception {
    client.send(request(EDGE, TypeUrls.LISTENER));
    DiscoveryResponse first = client.next();
    client.close();
    client = new AdsTestClient(stub.cp.xdsPort()).openSotw();
    client.send(request(EDGE, "type.googleapis.com/envoy.service.runtime.v3.Runtime", "s")); // RTDS: not served
    client.send(DiscoveryRequest.newBuilder().setNode(EDGE).setTypeUrl(TypeUrls.LISTENER)
        .setVersionInfo(first.getVersionInfo()).setResponseNonce(first.getNonce() + "-old-stream").build());
    DiscoveryResponse again = client.next();
    assertThat(again.getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
    assertThat(again.getVersionInfo()).isEqualTo(first.getVersionInfo());
    assertThat(again.getResourcesCount()).isEqualTo(2);
  }

  @Test
  void ackAndNackAreRecordedPerNodeTypeAndPlugin() throws Exception {
    Node canary = AdsTestClient.node("canary-1", "edge", Map.of("canary", "true"));
    java.util.concurrent.LinkedBlockingQueue<String> acks = new java.util.concurrent.LinkedBlockingQueue<>();
    stub.cp.nodes().addAckListener((node, filter, label) -> acks.add(node + " " + filter + " " + label));
    client.send(request(canary, TypeUrls.EXTENSION_CONFIG, "auth"));
    DiscoveryResponse ecds = client.next();
    client.send(ack(ecds, "auth"));
    assertThat(acks.poll(10, java.util.concurrent.TimeUnit.SECONDS)).as("the ACK listener hears the plugin version").isEqualTo("canary-1 auth v2");

    client.send(request(null, TypeUrls.LISTENER));
    DiscoveryResponse lds = client.next();
    client.send(nack(lds, "", "listener http_in: filter auth: on_configure returned false"));
    // A NACK of the current content is not answered with the same content again.
    assertThat(client.poll(Duration.ofMillis(400))).isNull();

    NodeStatus st = awaitNode("canary-1", s -> s.types().containsKey("LDS") && s.types().get("LDS")
        .lastNackError() != null && s.types().containsKey("ECDS") && s.types().get("ECDS").ackedVersion() != null);
    assertThat(st.types().get("ECDS").ackedVersion()).isEqualTo(ecds.getVersionInfo());
    assertThat(st.types().get("LDS").nackedVersion()).isEqualTo(lds.getVersionInfo());
    assertThat(st.types().get("LDS").ackedVersion()).isNull();
    assertThat(st.types().get("LDS").lastNackError()).contains("on_configure returned false");
    assertThat(st.plugins()).extracting(PluginStatus::filter, PluginStatus::running)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("auth", "v2"));
    assertThat(st.streams()).isEqualTo(1);

    // The same facts through the real /status endpoint and the CLI's table.
    String json = new String(stub.get("/status").body(), StandardCharsets.UTF_8);
    assertThat(json).contains("\"canary-1\"").contains("on_configure returned false").contains("\"running\" : \"v2\"");
    var out = new java.io.ByteArrayOutputStream();
    StatusCommand.print(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json),
        new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
    String table = out.toString(StandardCharsets.UTF_8);
    assertThat(table).containsPattern("canary-1\\s+edge\\s+1\\s+auth\\s+v2\\s+v2");
    assertThat(table).contains("on_configure returned false");

    // A NACK of an ECDS update marks the plugin version as rejected while the old one keeps running.
    stub.rewrite(StubFixture.BASE_YAML.replace("pluginConfig: \"mode=v2\"", "pluginConfig: \"mode=v2b\""));
    DiscoveryResponse update = client.next();
    assertThat(update.getTypeUrl()).isEqualTo(TypeUrls.EXTENSION_CONFIG);
    client.send(nack(update, ecds.getVersionInfo(), "auth: on_configure returned false", "auth"));
    NodeStatus after = awaitNode("canary-1", s -> s.types().get("ECDS").nackedVersion() != null);
    assertThat(after.plugins().get(0).running()).isEqualTo("v2");
    assertThat(after.plugins().get(0).rejected()).isEqualTo("v2");
    assertThat(after.plugins().get(0).rejectError()).contains("auth: on_configure returned false");
    assertThat(acks).as("a NACK is no ACK").isEmpty();
  }

  @Test
  void anEditIsPushedToTheConnectedNode() throws Exception {
    client.send(request(EDGE, TypeUrls.EXTENSION_CONFIG, "auth"));
    DiscoveryResponse v1 = client.next();
    client.send(ack(v1, "auth"));
    client.send(request(null, TypeUrls.LISTENER));
    client.send(ack(client.next()));

    // New module bytes for auth's base version, under a new file name.
    String newSha = stub.writeModule("auth_v3.wasm", "auth_v3");
    stub.rewrite(StubFixture.BASE_YAML.replace("module: auth_v1.wasm", "module: auth_v3.wasm"));
    DiscoveryResponse pushed = client.take(DiscoveryResponse.class, Duration.ofSeconds(3));
    // Only ECDS changed for this node; LDS content is the same, so it is not resent.
    assertThat(pushed.getTypeUrl()).isEqualTo(TypeUrls.EXTENSION_CONFIG);
    assertThat(pushed.getVersionInfo()).isNotEqualTo(v1.getVersionInfo());
    RemoteDataSource remote = pluginConfig(unpack(pushed, TypedExtensionConfig.class).get(0))
        .getVmConfig().getCode().getRemote();
    assertThat(remote.getSha256()).isEqualTo(newSha);
    assertThat(Sha256.hex(stub.fetch(remote.getHttpUri().getUri()).body())).isEqualTo(newSha);
    client.send(ack(pushed, "auth"));
    assertThat(client.poll(Duration.ofMillis(300))).isNull();

    // Editing the module file itself (same path) is a new version too.
    String rewritten = stub.writeModule("auth_v3.wasm", "auth_v3 rebuilt");
    DiscoveryResponse again = client.take(DiscoveryResponse.class, Duration.ofSeconds(3));
    assertThat(pluginConfig(unpack(again, TypedExtensionConfig.class).get(0)).getVmConfig().getCode().getRemote()
        .getSha256()).isEqualTo(rewritten);
  }

  @Test
  void anEditTouchingSeveralTypesIsPushedMakeBeforeBreak() throws Exception {
    client.send(request(EDGE, TypeUrls.LISTENER));
    client.send(ack(client.next()));
    client.send(request(null, TypeUrls.EXTENSION_CONFIG, "auth", "stats"));
    client.send(ack(client.next(), "auth", "stats"));
    client.send(request(null, TypeUrls.CLUSTER));
    client.send(ack(client.next()));

    stub.rewrite(StubFixture.BASE_YAML.replace("statPrefix: http_in", "statPrefix: http_in_2")
        .replace("pluginConfig: \"mode=v1\"", "pluginConfig: \"mode=v1b\"")
        .replace("connectTimeout: 1s", "connectTimeout: 2s"));
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      DiscoveryResponse r = client.take(DiscoveryResponse.class, Duration.ofSeconds(3));
      order.add(TypeUrls.shortName(r.getTypeUrl()));
      client.send(ack(r, r.getTypeUrl().equals(TypeUrls.EXTENSION_CONFIG)
          ? new String[] {"auth", "stats"} : new String[0]));
    }
    assertThat(order).containsExactly("CDS", "ECDS", "LDS");
  }

  @Test
  void aBrokenEditKeepsTheLastGoodSnapshot() throws Exception {
    client.send(request(EDGE, TypeUrls.EXTENSION_CONFIG, "auth"));
    DiscoveryResponse v1 = client.next();
    client.send(ack(v1, "auth"));

    stub.rewrite(StubFixture.BASE_YAML.replace("phase: AUTHN", "phase: AUTHX"));
    assertThat(client.poll(Duration.ofMillis(800))).isNull();
    StatusReport report = awaitReport(r -> r.lastError() != null);
    assertThat(report.lastError()).contains("AUTHX").contains("phase");
    assertThat(report.generation()).isEqualTo(1);

    stub.rewrite(StubFixture.BASE_YAML.replace("module: auth_v1.wasm", "module: missing.wasm"));
    StatusReport missing = awaitReport(r -> r.lastError() != null && r.lastError().contains("missing.wasm"));
    assertThat(missing.lastError()).contains("plugins[0] (auth).module");

    // A new stream still gets the last good content.
    try (AdsTestClient other = new AdsTestClient(stub.cp.xdsPort()).openSotw()) {
      other.send(request(AdsTestClient.node("edge-2", "edge", Map.of()), TypeUrls.EXTENSION_CONFIG, "auth"));
      DiscoveryResponse r = other.next();
      assertThat(r.getVersionInfo()).isEqualTo(v1.getVersionInfo());
    }

    // A good edit after that goes through.
    stub.rewrite(StubFixture.BASE_YAML.replace("pluginConfig: \"mode=v1\"", "pluginConfig: \"mode=v1.1\""));
    DiscoveryResponse fixed = client.take(DiscoveryResponse.class, Duration.ofSeconds(3));
    assertThat(pluginConfig(unpack(fixed, TypedExtensionConfig.class).get(0)).getConfiguration()
        .unpack(StringValue.class).getValue()).isEqualTo("mode=v1.1");
    assertThat(awaitReport(r -> r.lastError() == null).generation()).isEqualTo(2);
  }

  @Test
  void selectorsGiveNodesWithDifferentMetadataDifferentVersions() throws Exception {
    Node stable = AdsTestClient.node("n-stable", "mesh", Map.of("canary", "false"));
    Node canary = AdsTestClient.node("n-canary", "mesh", Map.of("canary", "true"));
    client.send(request(stable, TypeUrls.EXTENSION_CONFIG, "auth", "l4"));
    List<TypedExtensionConfig> forStable = unpack(client.next(), TypedExtensionConfig.class);
    // l4 selects cluster "edge" only.
    assertThat(forStable).extracting(TypedExtensionConfig::getName).containsExactly("auth");
    try (AdsTestClient other = new AdsTestClient(stub.cp.xdsPort()).openSotw()) {
      other.send(request(canary, TypeUrls.EXTENSION_CONFIG, "auth"));
      TypedExtensionConfig forCanary = unpack(other.next(), TypedExtensionConfig.class).get(0);
      assertThat(pluginConfig(forCanary).getVmConfig().getCode().getRemote().getSha256())
          .isEqualTo(stub.sha("auth_v2.wasm"));
      assertThat(pluginConfig(forCanary).getConfiguration().unpack(StringValue.class).getValue())
          .isEqualTo("mode=v2");
    }
    assertThat(pluginConfig(forStable.get(0)).getVmConfig().getCode().getRemote().getSha256())
        .isEqualTo(stub.sha("auth_v1.wasm"));

    // The debug view shows each node's resources as Envoy JSON, with the plugin version labels.
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    var canaryView = mapper.readTree(stub.get("/nodes/n-canary/resources").body());
    var auth = canaryView.path("ECDS").path("resources").get(0);
    assertThat(auth.path("name").asText()).isEqualTo("auth");
    assertThat(auth.path("pluginVersion").asText()).isEqualTo("v2");
    assertThat(auth.path("resource").path("typedConfig").path("config").path("vmConfig").path("code")
        .path("remote").path("sha256").asText()).isEqualTo(stub.sha("auth_v2.wasm"));
    assertThat(mapper.readTree(stub.get("/nodes/n-stable/resources").body()).path("ECDS").path("resources")
        .get(0).path("pluginVersion").asText()).isEqualTo("v1");
    assertThat(canaryView.path("LDS").path("resources").size()).isEqualTo(2);
    assertThat(stub.get("/nodes/never-seen/resources").statusCode()).isEqualTo(404);

    // The L4 plugin is not wired into the stable node's listener either (it is not in cluster edge).
    client.send(request(null, TypeUrls.LISTENER, "tcp_in"));
    Listener tcp = unpack(client.next(), Listener.class).get(0);
    assertThat(tcp.getFilterChains(0).getFiltersList()).extracting(Filter::getName)
        .containsExactly("envoy.filters.network.tcp_proxy");
  }

  private NodeStatus awaitNode(String id, java.util.function.Predicate<NodeStatus> ready) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline) {
      for (NodeStatus s : stub.cp.nodes().view()) {
        if (s.id().equals(id) && ready.test(s)) {
          return s;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("node " + id + " never reached the expected state: " + stub.cp.nodes().view());
  }

  private StatusReport awaitReport(java.util.function.Predicate<StatusReport> ready) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline) {
      StatusReport r = stub.cp.status();
      if (ready.test(r)) {
        return r;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("status never reached the expected state: " + stub.cp.status());
  }
}

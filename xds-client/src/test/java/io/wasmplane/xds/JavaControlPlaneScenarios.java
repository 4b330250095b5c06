package io.wasmplane.xds;

import static io.wasmplane.xds.TestResources.edsCluster;
import static io.wasmplane.xds.TestResources.endpoints;
import static io.wasmplane.xds.TestResources.listener;
import static io.wasmplane.xds.TestResources.listenerWithoutAddress;
import static io.wasmplane.xds.TestResources.route;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.wasmplane.xds.resource.ClusterResource;
import io.wasmplane.xds.resource.ClusterUpdate;
import io.wasmplane.xds.resource.EndpointResource;
import io.wasmplane.xds.resource.EndpointUpdate;
import io.wasmplane.xds.resource.ListenerResource;
import io.wasmplane.xds.resource.ListenerUpdate;
import io.wasmplane.xds.resource.RouteConfigurationResource;
import io.wasmplane.xds.resource.RouteConfigurationUpdate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client against java-control-plane over real gRPC on loopback. Subclasses pick the protocol (SotW or delta);
 * every scenario runs for both.
 */
abstract class JavaControlPlaneScenarios {
  static final String GROUP_KEY = "group";

  JavaControlPlane cp;
  final List<AutoCloseable> toClose = new ArrayList<>();

  abstract XdsProtocol protocol();

  @BeforeEach
  void startControlPlane() throws Exception {
    cp = new JavaControlPlane(node -> node.getMetadata().getFieldsOrDefault(GROUP_KEY,
        Value.newBuilder().setStringValue("default").build()).getStringValue()).start(0);
  }

  @AfterEach
  void stopAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    cp.close();
  }

  static Node node(String id, String group) {
    return Node.newBuilder().setId(id).setCluster("test")
        .setMetadata(Struct.newBuilder().putFields(GROUP_KEY, Value.newBuilder().setStringValue(group).build()))
        .setUserAgentName("wasmplane").setUserAgentVersion("test")
        .build();
  }

  DefaultXdsClient client(Node node, InMemoryXdsStats stats) {
    XdsClientConfig config = XdsClientConfig.builder(ServerTarget.uri("127.0.0.1:" + cp.port()), node)
        .protocol(protocol())
        .backoff(Duration.ofMillis(100), Duration.ofMillis(800))
        .initialFetchTimeout(Duration.ZERO) // warming has its own test; a cold JVM here can take seconds
        .repeatedNackDelayMax(Duration.ofMillis(500))
        .build();
    DefaultXdsClient client = DefaultXdsClient.start(config, stats);
    toClose.add(client);
    return client;
  }

  /** The data plane's view: every listener and cluster, the route r1 and the endpoints of c1. */
  static final class Watchers {
    final RecordingWatcher<ListenerUpdate> lds = new RecordingWatcher<>();
    final RecordingWatcher<ClusterUpdate> cds = new RecordingWatcher<>();
    final RecordingWatcher<RouteConfigurationUpdate> rds = new RecordingWatcher<>();
    final RecordingWatcher<EndpointUpdate> eds = new RecordingWatcher<>();

    Watchers watch(XdsClient client) {
      client.watchAll(ListenerResource.INSTANCE, lds);
      client.watchAll(ClusterResource.INSTANCE, cds);
      client.watch(RouteConfigurationResource.INSTANCE, "r1", rds);
      client.watch(EndpointResource.INSTANCE, "c1", eds);
      return this;
    }
  }

  void snapshotV1(String group) {
    cp.setSnapshot(group, "v1", List.of(edsCluster("c1")), List.of(endpoints("c1", 9001)),
        List.of(listener("l1", 8001, "r1")), List.of(route("r1", "c1")));
  }

  void awaitV1(Watchers w) {
    Await.until("v1 of every type", () -> w.lds.current.containsKey("l1") && w.cds.current.containsKey("c1")
        && w.rds.current.containsKey("r1") && w.eds.current.containsKey("c1"));
  }

  boolean serverSawAck(String typeUrl, String version) {
    if (protocol() == XdsProtocol.DELTA) {
      return cp.deltaRequests.stream().anyMatch(r -> r.getTypeUrl().equals(typeUrl)
          && !r.getResponseNonce().isEmpty() && !r.hasErrorDetail());
    }
    return cp.requests.stream().anyMatch(r -> r.getTypeUrl().equals(typeUrl) && r.getVersionInfo().equals(version)
        && !r.getResponseNonce().isEmpty() && !r.hasErrorDetail());
  }

  @Test
  void initialConfigOfEachTypeIsReceivedValidatedAndAcked() {
    snapshotV1("default");
    InMemoryXdsStats stats = new InMemoryXdsStats();
    DefaultXdsClient client = client(node("dp-1", "default"), stats);
    Watchers w = new Watchers().watch(client);
    awaitV1(w);

    assertThat(w.lds.current.get("l1").routeConfigNames()).containsExactly("r1");
    assertThat(w.cds.current.get("c1").edsServiceName()).contains("c1");
    assertThat(w.rds.current.get("r1").clusterNames()).containsExactly("c1");
    assertThat(w.eds.current.get("c1").proto().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
        .getSocketAddress().getPortValue()).isEqualTo(9001);

    for (String url : List.of(ListenerResource.TYPE_URL, ClusterResource.TYPE_URL,
        RouteConfigurationResource.TYPE_URL, EndpointResource.TYPE_URL)) {
      Await.until("ACK of " + url, () -> serverSawAck(url, "v1"));
    }
    Await.until("stats", () -> stats.counter("lds.update_success") >= 1 && stats.counter("rds.update_success") >= 1
        && stats.counter("cds.update_success") >= 1 && stats.counter("eds.update_success") >= 1);
    assertThat(stats.gauge("control_plane.connected_state")).isEqualTo(1);
    assertThat(stats.gauge("lds.version")).isEqualTo(DefaultXdsClient.versionHash("v1"));
    assertThat(stats.counter("lds.update_rejected")).isZero();

    XdsCacheView view = client.cacheView();
    assertThat(view.versionInfo(ListenerResource.INSTANCE)).isEqualTo("v1");
    ResourceSnapshot l1 = view.resources(ListenerResource.INSTANCE).get(0);
    assertThat(l1.name()).isEqualTo("l1");
    assertThat(l1.status()).isEqualTo(ClientStatus.ACKED);
    assertThat(l1.raw()).isPresent();
    assertThat(l1.lastUpdated()).isPresent();
    assertThat(view.connected()).isTrue();

    // The node goes out as given (every request carries it by default, as Envoy does).
    if (protocol() == XdsProtocol.DELTA) {
      assertThat(cp.deltaRequests.get(0).getNode().getId()).isEqualTo("dp-1");
      assertThat(cp.deltaRequests.get(0).getNode().getUserAgentName()).isEqualTo("wasmplane");
    } else {
      assertThat(cp.requests.get(0).getNode().getId()).isEqualTo("dp-1");
      assertThat(cp.requests).allMatch(r -> r.getNode().getId().equals("dp-1"));
    }
  }

  @Test
  void incrementalUpdatesOfEachTypeAndRemovals() {
    snapshotV1("default");
    DefaultXdsClient client = client(node("dp-1", "default"), new InMemoryXdsStats());
    Watchers w = new Watchers().watch(client);
    awaitV1(w);

    // v2: a second listener and cluster, the route points elsewhere, endpoints move.
    cp.setSnapshot("default", "v2", List.of(edsCluster("c1"), edsCluster("c2")),
        List.of(endpoints("c1", 9002), endpoints("c2", 9003)),
        List.of(listener("l1", 8001, "r1"), listener("l2", 8002, "r1")), List.of(route("r1", "c2")));
    Await.until("v2", () -> w.lds.current.containsKey("l2") && w.cds.current.containsKey("c2")
        && w.rds.current.get("r1").clusterNames().contains("c2")
        && w.eds.current.get("c1").proto().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
            .getSocketAddress().getPortValue() == 9002);
    // l1 did not change: its watcher must not hear about it again.
    assertThat(w.lds.changes.stream().filter(u -> u.name().equals("l1"))).hasSize(1);

    // v3: l2 and c2 are gone.
    cp.setSnapshot("default", "v3", List.of(edsCluster("c1")), List.of(endpoints("c1", 9002)),
        List.of(listener("l1", 8001, "r1")), List.of(route("r1", "c1")));
    Await.until("removals", () -> w.lds.doesNotExist.contains("l2") && w.cds.doesNotExist.contains("c2"));
    assertThat(w.lds.current).containsOnlyKeys("l1");
    assertThat(w.cds.current).containsOnlyKeys("c1");
    Await.until("cache without l2", () -> client.cacheView().resources(ListenerResource.INSTANCE).stream()
        .noneMatch(r -> r.name().equals("l2")));
    assertThat(w.lds.doesNotExist).doesNotContain("l1");
  }

  @Test
  void rejectedUpdateIsNackedWithPreviousVersionAndLastGoodStaysCached() {
    snapshotV1("default");
    InMemoryXdsStats stats = new InMemoryXdsStats();
    DefaultXdsClient client = client(node("dp-1", "default"), stats);
    Watchers w = new Watchers().watch(client);
    // The data plane rejects any listener on port 6666 (think: a plugin whose on_configure returned false).
    w.lds.rule = u -> u.proto().getAddress().getSocketAddress().getPortValue() == 6666
        ? Optional.of("plugin on_configure returned false") : Optional.empty();
    awaitV1(w);
    Await.until("l1 ACKed", () -> listenerSnapshot(client, "l1").status() == ClientStatus.ACKED);
    Optional<String> goodVersion = listenerSnapshot(client, "l1").version();

    // v2: l1 is changed into something the data plane rejects; l-bad fails the client's own validation.
    cp.setSnapshot("default", "v2", List.of(edsCluster("c1")), List.of(endpoints("c1", 9001)),
        List.of(listener("l1", 6666, "r1"), listenerWithoutAddress("l-bad", "r1")), List.of(route("r1", "c1")));
    Await.until("NACK seen by the server", () -> nackTexts().stream().anyMatch(t -> t.contains("'l1'")));
    String nack = nackTexts().stream().filter(t -> t.contains("'l1'")).findFirst().orElseThrow();
    assertThat(nack).contains("lds 'l1': plugin on_configure returned false");
    assertThat(nack).contains("lds 'l-bad': address is required");
    if (protocol() == XdsProtocol.STATE_OF_THE_WORLD) {
      assertThat(cp.requests.stream().filter(r -> r.hasErrorDetail()))
          .allMatch(r -> r.getVersionInfo().equals("v1") && !r.getResponseNonce().isEmpty()
              && r.getErrorDetail().getCode() == com.google.rpc.Code.INVALID_ARGUMENT_VALUE);
    }

    // The last good l1 is still what the cache serves, marked NACKED with the rejection recorded.
    ResourceSnapshot l1 = listenerSnapshot(client, "l1");
    assertThat(l1.status()).isEqualTo(ClientStatus.NACKED);
    assertThat(l1.version()).isEqualTo(goodVersion); // SotW: "v1"; delta: java-control-plane's resource hash
    assertThat(l1.lastRejection()).get().extracting(ResourceSnapshot.Rejection::error)
        .isEqualTo("plugin on_configure returned false");
    assertThat(w.lds.current.get("l1").proto().getAddress().getSocketAddress().getPortValue()).isEqualTo(8001);
    assertThat(client.cacheView().versionInfo(ListenerResource.INSTANCE)).isEqualTo("v1");
    assertThat(stats.counter("lds.update_rejected")).isPositive();
    assertThat(stats.gauge("lds.version")).isEqualTo(DefaultXdsClient.versionHash("v1"));

    // java-control-plane re-sends v2 after every NACK: the client answers without asking the watcher again,
    // and slows the loop down.
    long l1Verdicts = w.lds.changes.stream().filter(u -> u.name().equals("l1")).count();
    sleep(1500);
    assertThat(w.lds.changes.stream().filter(u -> u.name().equals("l1")).count()).isEqualTo(l1Verdicts);
    assertThat(nackTexts().size()).as("NACKs in ~1.5 s").isLessThan(15);

    // v3 fixes it: accepted, status back to ACKED.
    cp.setSnapshot("default", "v3", List.of(edsCluster("c1")), List.of(endpoints("c1", 9001)),
        List.of(listener("l1", 8003, "r1")), List.of(route("r1", "c1")));
    Await.until("v3 accepted", () -> w.lds.current.get("l1").proto().getAddress().getSocketAddress()
        .getPortValue() == 8003);
    Await.until("ACKED again", () -> listenerSnapshot(client, "l1").status() == ClientStatus.ACKED
        && !listenerSnapshot(client, "l1").version().equals(goodVersion));
    Await.until("v3 version", () -> client.cacheView().versionInfo(ListenerResource.INSTANCE).equals("v3"));
    assertThat(w.lds.current).containsOnlyKeys("l1");
  }

  static ResourceSnapshot listenerSnapshot(XdsClient client, String name) {
    return client.cacheView().resources(ListenerResource.INSTANCE).stream()
        .filter(r -> r.name().equals(name)).findFirst().orElseThrow();
  }

  private List<String> nackTexts() {
    if (protocol() == XdsProtocol.DELTA) {
      return cp.deltaRequests.stream().filter(r -> r.hasErrorDetail()).map(r -> r.getErrorDetail().getMessage()).toList();
    }
    return cp.requests.stream().filter(r -> r.hasErrorDetail()).map(r -> r.getErrorDetail().getMessage()).toList();
  }

  @Test
  void controlPlaneRestartMidStreamReconnectsAndConverges() throws Exception {
    snapshotV1("default");
    InMemoryXdsStats stats = new InMemoryXdsStats();
    DefaultXdsClient client = client(node("dp-1", "default"), stats);
    Watchers w = new Watchers().watch(client);
    awaitV1(w);
    int port = cp.port();

    cp.stop();
    Await.until("disconnected", () -> stats.gauge("control_plane.connected_state") == 0);
    assertThat(client.cacheView().connected()).isFalse();
    // Still serving the last good config.
    assertThat(client.cacheView().resources(ListenerResource.INSTANCE)).extracting(ResourceSnapshot::name)
        .containsExactly("l1");
    assertThat(w.lds.doesNotExist).isEmpty();
    // The gauge drops before the watchers are told (the error callback runs after it, on the client's executor).
    Await.until("watchers hear about the lost stream", () -> !w.lds.errors.isEmpty());
    // A watcher added while the control plane is away is served from the cache.
    RecordingWatcher<RouteConfigurationUpdate> late = new RecordingWatcher<>();
    client.watch(RouteConfigurationResource.INSTANCE, "r1", late);
    Await.until("cached route for a new watcher", () -> late.current.containsKey("r1"));
    Await.until("failures counted", () -> stats.counter("lds.update_failure") >= 1);
    sleep(300); // a few failed reconnect attempts while it is down

    // A new control plane process on the same port with newer config.
    cp = new JavaControlPlane(node -> "default");
    cp.setSnapshot("default", "v2", List.of(edsCluster("c1"), edsCluster("c2")),
        List.of(endpoints("c1", 9005)), List.of(listener("l1", 8001, "r1"), listener("l2", 8002, "r1")),
        List.of(route("r1", "c2")));
    cp.start(port);

    Await.until("converged on v2", () -> w.lds.current.containsKey("l2") && w.cds.current.containsKey("c2")
        && w.rds.current.get("r1").clusterNames().contains("c2")
        && w.eds.current.get("c1").proto().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
            .getSocketAddress().getPortValue() == 9005);
    Await.until("connected again", () -> stats.gauge("control_plane.connected_state") == 1);
    Await.until("attempt = success + rejected + failure", () -> stats.counter("lds.update_attempt")
        == stats.counter("lds.update_success") + stats.counter("lds.update_rejected")
            + stats.counter("lds.update_failure"));
    assertThat(stats.counter("lds.update_success")).isGreaterThanOrEqualTo(2);
    if (protocol() == XdsProtocol.DELTA) {
      // Re-subscribed with what it already had.
      Await.until("initial_resource_versions sent", () -> cp.deltaRequests.stream()
          .anyMatch(r -> r.getTypeUrl().equals(ListenerResource.TYPE_URL)
              && r.getInitialResourceVersionsMap().containsKey("l1")));
    } else {
      assertThat(cp.requests.stream().filter(r -> r.getTypeUrl().equals(ListenerResource.TYPE_URL)).findFirst()
          .orElseThrow().getVersionInfo()).isEqualTo("v1");
    }
  }

  @Test
  void twoClientsWithDifferentNodeMetadataGetDifferentSnapshots() {
    cp.setSnapshot("blue", "b1", List.of(edsCluster("c1")), List.of(endpoints("c1", 9001)),
        List.of(listener("blue-listener", 8001, "r1")), List.of(route("r1", "c1")));
    cp.setSnapshot("green", "g1", List.of(edsCluster("c1")), List.of(endpoints("c1", 9002)),
        List.of(listener("green-listener", 8002, "r1")), List.of(route("r1", "c1")));
    Watchers blue = new Watchers().watch(client(node("dp-blue", "blue"), new InMemoryXdsStats()));
    Watchers green = new Watchers().watch(client(node("dp-green", "green"), new InMemoryXdsStats()));
    Await.until("both configured", () -> blue.lds.current.containsKey("blue-listener")
        && green.lds.current.containsKey("green-listener")
        && blue.eds.current.containsKey("c1") && green.eds.current.containsKey("c1"));
    assertThat(blue.lds.current).containsOnlyKeys("blue-listener");
    assertThat(green.lds.current).containsOnlyKeys("green-listener");
    assertThat(port(blue.eds.current.get("c1"))).isEqualTo(9001);
    assertThat(port(green.eds.current.get("c1"))).isEqualTo(9002);
  }

  static int port(EndpointUpdate u) {
    return u.proto().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress().getPortValue();
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

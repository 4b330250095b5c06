package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.edsCluster;
import static io.wasmplane.dataplane.xds.Resources.endpoints;
import static io.wasmplane.dataplane.xds.Resources.hcm;
import static io.wasmplane.dataplane.xds.Resources.listener;
import static io.wasmplane.dataplane.xds.Resources.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The data plane driven by java-control-plane over real gRPC on loopback, serving real HTTP to real upstreams.
 * Subclasses pick SotW or delta ADS.
 */
abstract class XdsDataplaneScenarios {
  private static final Duration WAIT = Duration.ofSeconds(20);
  static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

  ControlPlane cp;
  TestUpstream a;
  TestUpstream b;
  final List<AutoCloseable> toClose = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).build();

  /** GRPC or DELTA_GRPC. */
  abstract String apiType();

  @BeforeEach
  void setUp() throws Exception {
    cp = new ControlPlane().start(0);
    a = new TestUpstream("a");
    b = new TestUpstream("b");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    cp.close();
    a.close();
    b.close();
  }

  Dataplane dataplane(String id, String group) {
    return dataplane(id, group, "15s");
  }

  Dataplane dataplane(String id, String group, String initialFetchTimeout) {
    Dataplane d = Resources.startDataplane(Resources.bootstrap(id, group, cp.port(), apiType(), initialFetchTimeout), Duration.ofSeconds(10));
    toClose.add(d);
    return d;
  }

  /** v1: listener l1 on {@code port} -> RDS r1 -> EDS cluster c1 -> upstream a. */
  void v1(String group, int port) {
    cp.set(group, "v1", List.of(edsCluster("c1")), List.of(endpoints("c1", a.port())),
        List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
  }

  @Test
  void comesUpEmptyThenServesWhatArrives() throws Exception {
    cp.set("default", "v0", List.of(), List.of(), List.of(), List.of());
    // java-control-plane answers an empty SotW snapshot but sends nothing in delta: initial_fetch_timeout ends init.
    Dataplane d = dataplane("dp-1", "default", "2s");
    assertTrue(d.server().listeners().isEmpty(), "no listeners before the control plane sends some");
    // LIVE once the (empty) initial CDS and LDS responses are in (or their initial_fetch_timeout passed).
    await("LIVE", () -> get("http://127.0.0.1:" + d.adminPort() + "/ready").statusCode() == 200);

    int port = freePort();
    v1("default", port);
    await("traffic through the xDS listener", () -> "a".equals(upstreamOf(port)));
    assertEquals(1, gauge(d, "control_plane.connected_state"));
    assertTrue(counter(d, "listener_manager.lds.update_success") >= 1);
    assertTrue(counter(d, "cluster_manager.cds.update_success") >= 1);
    assertTrue(counter(d, "http.ingress.rds.r1.update_success") >= 1);
    assertEquals(0, counter(d, "listener_manager.lds.update_rejected"));
    String dump = get("http://127.0.0.1:" + d.adminPort() + "/config_dump").body();
    assertTrue(dump.contains("\"dynamic_listeners\"") && dump.contains("\"active_state\""), dump);
    assertTrue(dump.contains("\"dynamic_active_clusters\"") && dump.contains("\"dynamic_route_configs\""), dump);
  }

  @Test
  void updatesEachTypeThenRemoves() throws Exception {
    int port = freePort();
    v1("default", port);
    Dataplane d = dataplane("dp-1", "default");
    await("v1 serves", () -> "a".equals(upstreamOf(port)));

    // EDS: c1's endpoints move to b, in place.
    cp.set("default", "v2", List.of(edsCluster("c1")), List.of(endpoints("c1", b.port())),
        List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
    await("EDS update", () -> "b".equals(upstreamOf(port)));

    // CDS: a new STATIC cluster c2 (to a); then RDS points r1 at it.
    cp.set("default", "v3", List.of(edsCluster("c1"), Resources.staticCluster("c2", a.port())),
        List.of(endpoints("c1", b.port())), List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
    await("CDS add", () -> d.server().clusters().get("c2") != null);
    cp.set("default", "v4", List.of(edsCluster("c1"), Resources.staticCluster("c2", a.port())),
        List.of(endpoints("c1", b.port())), List.of(listener("l1", port, "r1")), List.of(route("r1", "c2")));
    await("RDS update", () -> "a".equals(upstreamOf(port)));

    // LDS: same address, new HCM (server_name); the socket stays bound and new connections get the new one, while
    // a request in flight on an old connection finishes on the old config and its connection is drained.
    try (Socket old = new Socket("127.0.0.1", port)) {
      old.setSoTimeout(10_000);
      int before = a.requests.get();
      old.getOutputStream().write("GET /slow/1500 HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      await("the slow request reached the upstream", () -> a.requests.get() > before);
      var hcm5 = hcm("r1").setServerName("wasmplane-v5");
      cp.set("default", "v5", List.of(edsCluster("c1"), Resources.staticCluster("c2", a.port())),
          List.of(endpoints("c1", b.port())), List.of(listener("l1", port, hcm5)), List.of(route("r1", "c2")));
      await("LDS update", () -> "wasmplane-v5".equals(fresh(port).headers().firstValue("server").orElse("")));
      String head = new String(old.getInputStream().readNBytes(200), StandardCharsets.US_ASCII).toLowerCase();
      assertTrue(head.startsWith("http/1.1 200"), head);
      assertTrue(head.contains("server: envoy") && head.contains("connection: close"), "old config, drained: " + head);
    }

    // Removal: c2 and the listener go.
    cp.set("default", "v6", List.of(edsCluster("c1")), List.of(endpoints("c1", b.port())), List.of(), List.of());
    await("CDS removal", () -> d.server().clusters().get("c2") == null);
    await("LDS removal", () -> d.server().listeners().isEmpty() && upstreamOf(port) == null);
  }

  @Test
  void brokenUpdateIsNackedAndLastGoodKeepsServing() throws Exception {
    int port = freePort();
    v1("default", port);
    Dataplane d = dataplane("dp-1", "default");
    await("v1 serves", () -> "a".equals(upstreamOf(port)));

    // A route to a cluster that does not exist, and a listener with a listener filter we do not implement.
    var badListener = listener("l1", port, "r1").toBuilder()
        .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.original_src")).build();
    cp.set("default", "v2", List.of(edsCluster("c1")), List.of(endpoints("c1", a.port())),
        List.of(badListener), List.of(route("r1", "nope")));
    await("RDS NACK seen by the server", () -> cp.nacks.stream().anyMatch(n -> n.startsWith(RDS) && n.contains("rds 'r1'") && n.contains("nope")));
    await("LDS NACK seen by the server", () -> cp.nacks.stream().anyMatch(n -> n.startsWith(LDS) && n.contains("lds 'l1'")
        && n.contains("listener_filters")));
    assertTrue(counter(d, "listener_manager.lds.update_rejected") >= 1);
    assertTrue(counter(d, "http.ingress.rds.r1.update_rejected") >= 1);
    for (int i = 0; i < 5; i++) {
      assertEquals("a", upstreamOf(port), "the last good config keeps serving");
    }
    String dump = get("http://127.0.0.1:" + d.adminPort() + "/config_dump").body();
    assertTrue(dump.contains("\"error_state\"") && dump.contains("nope"), dump);

    // Recovery: a good v3 is accepted.
    cp.set("default", "v3", List.of(edsCluster("c1")), List.of(endpoints("c1", b.port())),
        List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
    await("recovered", () -> "b".equals(upstreamOf(port)));
  }

  @Test
  void keepsServingWhileTheControlPlaneIsAwayAndConvergesAfter() throws Exception {
    int port = freePort();
    v1("default", port);
    Dataplane d = dataplane("dp-1", "default");
    await("v1 serves", () -> "a".equals(upstreamOf(port)));
    int cpPort = cp.port();
    cp.stop();
    await("disconnected", () -> gauge(d, "control_plane.connected_state") == 0);
    assertEquals("a", upstreamOf(port), "serves the last config while the control plane is away");

    cp.set("default", "v2", List.of(edsCluster("c1")), List.of(endpoints("c1", b.port())),
        List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
    cp = cp.restart(cpPort);
    await("reconnected", () -> gauge(d, "control_plane.connected_state") == 1);
    await("converged on v2", () -> "b".equals(upstreamOf(port)));
  }

  @Test
  void nodesWithDifferentMetadataGetDifferentSnapshots() throws Exception {
    int portBlue = freePort();
    int portGreen = freePort();
    cp.set("blue", "b1", List.of(edsCluster("c1")), List.of(endpoints("c1", a.port())),
        List.of(listener("l1", portBlue, "r1")), List.of(route("r1", "c1")));
    cp.set("green", "g1", List.of(edsCluster("c1")), List.of(endpoints("c1", b.port())),
        List.of(listener("l1", portGreen, "r1")), List.of(route("r1", "c1")));
    Dataplane blue = dataplane("dp-blue", "blue");
    Dataplane green = dataplane("dp-green", "green");
    await("blue serves a", () -> "a".equals(upstreamOf(portBlue)));
    await("green serves b", () -> "b".equals(upstreamOf(portGreen)));
    assertEquals(portBlue, blue.port("l1"));
    assertEquals(portGreen, green.port("l1"));
  }

  // ------------------------------------------------------------------ helpers

  static long counter(Dataplane d, String name) {
    return d.server().stats().snapshot().counter(name);
  }

  static long gauge(Dataplane d, String name) {
    return d.server().stats().snapshot().gauge(name);
  }

  HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A request on a new connection (an updated listener only gets new connections). */
  static HttpResponse<String> fresh(int port) throws Exception {
    HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).build();
    return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The upstream that answered GET / through the proxy, or null when nothing (or no upstream) answered. */
  String upstreamOf(int port) {
    try {
      HttpResponse<String> r = get("http://127.0.0.1:" + port + "/");
      return r.statusCode() == 200 ? r.headers().firstValue("x-upstream-name").orElse(null) : null;
    } catch (Exception e) {
      return null;
    }
  }

  static void await(String what, Callable<Boolean> condition) throws Exception {
    Await.until(what, WAIT, condition);
  }

}

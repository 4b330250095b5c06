package io.wasmplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.wasmplane.xds.resource.ListenerResource;
import io.wasmplane.xds.resource.ListenerUpdate;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Envoy Bootstrap to client config, and that config driving a real (m)TLS connection. */
class EnvoyBootstrapConfigsTest {

  static Path tls(String file) {
    try {
      return Path.of(EnvoyBootstrapConfigsTest.class.getResource("/tls/" + file).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Bootstrap parse(String json) throws Exception {
    Bootstrap.Builder b = Bootstrap.newBuilder();
    JsonFormat.parser().usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
        .add(UpstreamTlsContext.getDescriptor()).build()).merge(json, b);
    return b.build();
  }

  static String bootstrap(String apiType, String endpointsJson, String transportSocket, boolean clientCert) {
    String certs = clientCert ? """
        "tls_certificates": [{"certificate_chain": {"filename": "%s"}, "private_key": {"filename": "%s"}}],
        """.formatted(tls("client.crt"), tls("client.key")) : "";
    String socket = transportSocket == null ? "" : """
        ,"transport_socket": {"name": "envoy.transport_sockets.tls", "typed_config": {
          "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
          "sni": "xds.test",
          "common_tls_context": {%s "validation_context": {"trusted_ca": {"filename": "%s"}}}}}
        """.formatted(certs, tls("ca.crt"));
    return """
        {
          "node": {"id": "dp-7", "cluster": "edge", "metadata": {"group": "blue"},
                   "locality": {"region": "eu", "zone": "eu-1"}, "client_features": ["envoy.lb.does_not_support_overprovisioning"]},
          "static_resources": {"clusters": [{
            "name": "xds_cluster", "type": "STATIC", "connect_timeout": "1s",
            "typed_extension_protocol_options": {},
            "load_assignment": {"cluster_name": "xds_cluster", "endpoints": [{"lb_endpoints": [%s]}]}
            %s
          }]},
          "dynamic_resources": {
            "ads_config": {"api_type": "%s", "transport_api_version": "V3",
                           "grpc_services": [{"envoy_grpc": {"cluster_name": "xds_cluster"}}]},
            "lds_config": {"ads": {}, "resource_api_version": "V3", "initial_fetch_timeout": "3s"},
            "cds_config": {"ads": {}, "resource_api_version": "V3"}
          }
        }
        """.formatted(endpointsJson, socket, apiType);
  }

  static String endpoint(int port) {
    return """
        {"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": %d}}}}""".formatted(port);
  }

  static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void staticClusterWithEndpointsAndTlsBecomesTheClientConfig() throws Exception {
    XdsClientConfig config = EnvoyBootstrapConfigs.fromBootstrap(
        parse(bootstrap("DELTA_GRPC", endpoint(1001) + "," + endpoint(1002), "tls", true)), "wasmplane", "0.1.0")
        .build();
    assertThat(config.ads().orElseThrow().protocol()).isEqualTo(XdsProtocol.DELTA);
    assertThat(config.ads().orElseThrow().target()).isEqualTo(ServerTarget.addresses(List.of(
        new InetSocketAddress("127.0.0.1", 1001), new InetSocketAddress("127.0.0.1", 1002))));
    assertThat(config.initialFetchTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(config.ads().orElseThrow().tls()).contains(new TlsOptions(java.util.Optional.of(tls("ca.crt")),
        java.util.Optional.of(tls("client.crt")), java.util.Optional.of(tls("client.key")),
        java.util.Optional.of("xds.test")));
    assertThat(config.node().getId()).isEqualTo("dp-7");
    assertThat(config.node().getLocality().getZone()).isEqualTo("eu-1");
    assertThat(config.node().getUserAgentName()).isEqualTo("wasmplane");
    assertThat(config.node().getUserAgentVersion()).isEqualTo("0.1.0");
    assertThat(config.node().getClientFeaturesList()).containsExactly("envoy.lb.does_not_support_overprovisioning");
    assertThat(config.ads().orElseThrow().nodeOnFirstMessageOnly()).isFalse();
  }

  @Test
  void googleGrpcTargetAndErrorsNameTheField() throws Exception {
    Bootstrap google = parse("""
        {"node": {"id": "n"}, "dynamic_resources": {"ads_config": {"api_type": "GRPC", "transport_api_version": "V3",
          "grpc_services": [{"google_grpc": {"target_uri": "127.0.0.1:18000", "stat_prefix": "ads"}}]}}}""");
    XdsClientConfig config = EnvoyBootstrapConfigs.fromBootstrap(google, "wasmplane", "x").build();
    assertThat(config.ads().orElseThrow().target()).isEqualTo(ServerTarget.uri("127.0.0.1:18000"));
    assertThat(config.ads().orElseThrow().protocol()).isEqualTo(XdsProtocol.STATE_OF_THE_WORLD);
    assertThat(config.ads().orElseThrow().tls()).isEmpty();
    assertThat(config.initialFetchTimeout()).isEqualTo(Duration.ofSeconds(15));

    assertThatThrownBy(() -> EnvoyBootstrapConfigs.fromBootstrap(parse("{\"node\": {\"id\": \"n\"}}"), "w", "x"))
        .hasMessage("dynamic_resources needs ads_config, lds_config or cds_config");
    assertThatThrownBy(() -> EnvoyBootstrapConfigs.fromBootstrap(parse(bootstrap("REST", endpoint(1), null, false)),
        "w", "x")).hasMessageContaining("api_type: REST is not supported");
    Bootstrap missingCluster = parse(bootstrap("GRPC", endpoint(1), null, false).replace(
        "\"cluster_name\": \"xds_cluster\"}}]", "\"cluster_name\": \"nope\"}}]"));
    assertThatThrownBy(() -> EnvoyBootstrapConfigs.fromBootstrap(missingCluster, "w", "x"))
        .hasMessageContaining("envoy_grpc.cluster_name: no static cluster named 'nope'");
  }

  @Test
  void mtlsToTheControlPlaneThroughTheBootstrapCluster() throws Exception {
    JavaControlPlane plain = new JavaControlPlane(node -> node.getMetadata().getFieldsOrThrow("group").getStringValue());
    plain.setSnapshot("blue", "1", List.of(), List.of(), List.of(TestResources.listener("tls-listener", 8443, "r")),
        List.of());
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(GrpcSslContexts.forServer(tls("server.crt").toFile(), tls("server.key").toFile())
            .trustManager(tls("ca.crt").toFile()).clientAuth(ClientAuth.REQUIRE).build())
        .addService(new V3DiscoveryServer(plain.cache).getAggregatedDiscoveryServiceImpl())
        .build().start();
    try {
      // The first endpoint is dead: the client moves on to the next one of the static cluster.
      String endpoints = endpoint(closedPort()) + "," + endpoint(server.getPort());
      XdsClientConfig config = EnvoyBootstrapConfigs.fromBootstrap(
          parse(bootstrap("DELTA_GRPC", endpoints, "tls", true)), "wasmplane", "0.1.0")
          .backoff(Duration.ofMillis(100), Duration.ofMillis(500)).build();
      RecordingWatcher<ListenerUpdate> w = new RecordingWatcher<>();
      try (DefaultXdsClient client = DefaultXdsClient.start(config, new InMemoryXdsStats())) {
        client.watchAll(ListenerResource.INSTANCE, w);
        Await.until("listener over mTLS", () -> w.current.containsKey("tls-listener"));
      }

      // Without a client certificate the server refuses the handshake: nothing arrives, failures are counted.
      XdsClientConfig noCert = EnvoyBootstrapConfigs.fromBootstrap(
          parse(bootstrap("GRPC", endpoint(server.getPort()), "tls", false)), "wasmplane", "0.1.0")
          .backoff(Duration.ofMillis(100), Duration.ofMillis(200)).build();
      InMemoryXdsStats stats = new InMemoryXdsStats();
      RecordingWatcher<ListenerUpdate> refused = new RecordingWatcher<>();
      try (DefaultXdsClient client = DefaultXdsClient.start(noCert, stats)) {
        client.watchAll(ListenerResource.INSTANCE, refused);
        Await.until("failed attempts", () -> stats.counter("lds.update_failure") >= 2);
        assertThat(refused.current).isEmpty();
        assertThat(refused.errors).isNotEmpty();
        assertThat(stats.gauge("control_plane.connected_state")).isZero();
      }
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}

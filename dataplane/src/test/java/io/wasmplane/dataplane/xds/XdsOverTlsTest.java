package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.edsCluster;
import static io.wasmplane.dataplane.xds.Resources.endpoints;
import static io.wasmplane.dataplane.xds.Resources.listener;
import static io.wasmplane.dataplane.xds.Resources.route;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.gauge;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.server.DataplaneServer;
import io.wasmplane.dataplane.testing.TestPki;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * xDS over TLS from the xDS cluster's {@code transport_socket} (UpstreamTlsContext: trusted CA, SNI), end to end:
 * java-control-plane behind a TLS gRPC server on loopback with a certificate made for this test. A data plane that
 * trusts another CA never gets a config and stays INITIALIZING.
 */
class XdsOverTlsTest {
  @TempDir
  Path dir;

  static String bootstrap(int xdsPort, Path trustedCa) {
    return """
        node: {id: dp-tls, cluster: test}
        admin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}
        dynamic_resources:
          ads_config:
            api_type: GRPC
            transport_api_version: V3
            grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]
          lds_config: {ads: {}, resource_api_version: V3}
          cds_config: {ads: {}, resource_api_version: V3}
        static_resources:
          clusters:
          - name: xds_cluster
            type: STATIC
            connect_timeout: 1s
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config: {http2_protocol_options: {}}
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                sni: xds.test
                common_tls_context:
                  validation_context: {trusted_ca: {filename: %s}}
            load_assignment:
              cluster_name: xds_cluster
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]
        """.formatted(trustedCa, xdsPort);
  }

  @Test
  void configArrivesOverTlsAndAnUntrustedServerIsNeverUsed() throws Exception {
    TestPki pki = TestPki.generate(dir.resolve("pki"));
    TestPki other = TestPki.generate(dir.resolve("other"));
    var serverTls = GrpcSslContexts.forServer(pki.serverCert().toFile(), pki.serverKey().toFile()).build();
    try (ControlPlane cp = new ControlPlane().start(0, serverTls); TestUpstream a = new TestUpstream("a")) {
      int port = freePort();
      cp.set("default", "v1", List.of(edsCluster("c1")), List.of(endpoints("c1", a.port())),
          List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
      Dataplane.Options options = Dataplane.Options.defaults().withConcurrency(1).withDrainTime(Duration.ofSeconds(1));
      try (Dataplane trusting = Dataplane.start(BootstrapLoader.fromText(bootstrap(cp.port(), pki.caCert()), "t"), options);
          Dataplane untrusting = Dataplane.start(BootstrapLoader.fromText(bootstrap(cp.port(), other.caCert()), "t"), options)) {
        await("served over TLS", () -> "a".equals(ApiConfigSourceDataplaneTest.upstreamOf(port)));
        await("LIVE", () -> trusting.server().state() == DataplaneServer.State.LIVE);
        assertThat(gauge(trusting, "control_plane.connected_state")).isEqualTo(1);

        // The other data plane cannot verify the server: no stream, no config, still initializing.
        Thread.sleep(500);
        assertThat(gauge(untrusting, "control_plane.connected_state")).isZero();
        assertThat(untrusting.server().state()).isEqualTo(DataplaneServer.State.INITIALIZING);
        assertThat(untrusting.server().listeners()).isEmpty();
      }
    }
  }
}

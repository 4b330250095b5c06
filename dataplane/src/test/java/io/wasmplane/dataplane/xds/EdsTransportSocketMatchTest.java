package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.edsCluster;
import static io.wasmplane.dataplane.xds.Resources.listener;
import static io.wasmplane.dataplane.xds.Resources.route;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.MtlsUpstream;
import io.wasmplane.dataplane.testing.TestPki;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * transport_socket_matches over real ADS (Istio's auto-mTLS): an EDS update that labels an endpoint tlsMode: istio
 * switches new connections to it from plaintext to mTLS; a CDS cluster whose match names an unknown transport socket
 * is NACKed naming it, and the last good cluster keeps serving.
 */
@Timeout(60)
class EdsTransportSocketMatchTest {
  @TempDir
  Path dir;

  private final HttpClient client = Http.h1();

  private static Cluster istioCluster(TransportSocket istioSocket) {
    return edsCluster("c1").toBuilder()
        .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-istio")
            .setMatch(Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("istio").build()))
            .setTransportSocket(istioSocket))
        .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-disabled")
            .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.raw_buffer")
                .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance()))))
        .build();
  }

  private static TransportSocket mtls(TestPki pki) {
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificates(TlsCertificate.newBuilder()
            .setCertificateChain(DataSource.newBuilder().setFilename(pki.clientCert().toString()))
            .setPrivateKey(DataSource.newBuilder().setFilename(pki.clientKey().toString())))
        .setValidationContext(CertificateValidationContext.newBuilder()
            .setTrustedCa(DataSource.newBuilder().setFilename(pki.caCert().toString())))).build();
    return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls)).build();
  }

  private static ClusterLoadAssignment endpoint(int port, String tlsMode) {
    LbEndpoint.Builder le = LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Resources.address(port)));
    if (tlsMode != null) {
      le.setMetadata(Metadata.newBuilder().putFilterMetadata("envoy.transport_socket_match",
          Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue(tlsMode).build()).build()));
    }
    return ClusterLoadAssignment.newBuilder().setClusterName("c1").addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(le)).build();
  }

  @Test
  void anEdsLabelSwitchesTheHostToMtlsAndABadMatchIsNacked() throws Exception {
    TestPki pki = TestPki.generate(dir);
    try (ControlPlane cp = new ControlPlane().start(0); MtlsUpstream upstream = new MtlsUpstream(pki)) {
      int port = freePort();
      String url = "http://127.0.0.1:" + port + "/";
      Cluster good = istioCluster(mtls(pki));
      // No tlsMode label: the empty tlsMode-disabled match sends plaintext, which the mTLS upstream cannot serve.
      cp.set("default", "v1", List.of(good), List.of(endpoint(upstream.port(), null)),
          List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
      try (Dataplane d = Resources.startDataplane(Resources.bootstrap("dp", "default", cp.port(), "GRPC"), Duration.ofSeconds(2))) {
        Await.until("plaintext to the mTLS upstream fails", () -> Http.get(client, url).statusCode() == 503);

        cp.set("default", "v2", List.of(good), List.of(endpoint(upstream.port(), "istio")),
            List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
        Await.until("tlsMode: istio switches the host to mTLS", () -> Http.get(client, url).statusCode() == 200);
        HttpResponse<String> r = Http.get(client, url);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("mtls upstream saw CN=dataplane");

        Cluster bad = istioCluster(TransportSocket.newBuilder().setName("envoy.transport_sockets.alts").build());
        cp.set("default", "v3", List.of(bad), List.of(endpoint(upstream.port(), "istio")),
            List.of(listener("l1", port, "r1")), List.of(route("r1", "c1")));
        Await.until("NACK", () -> cp.nacks.stream().anyMatch(n -> n.contains("transport_socket_matches[0](tlsMode-istio).transport_socket")
            && n.contains("unsupported transport socket 'envoy.transport_sockets.alts'")));
        assertThat(Http.get(client, url).body()).isEqualTo("mtls upstream saw CN=dataplane");
      }
    }
  }
}

package io.wasmplane.dataplane.admin;

import static io.wasmplane.dataplane.admin.AdminTestBootstrap.admin;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.admin.v3.CertificateDetails;
import io.envoyproxy.envoy.admin.v3.Certificates;
import io.envoyproxy.envoy.admin.v3.ClusterStatus;
import io.envoyproxy.envoy.admin.v3.Clusters;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.HostStatus;
import io.envoyproxy.envoy.admin.v3.ListenerStatus;
import io.envoyproxy.envoy.admin.v3.Listeners;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.EnvoyTypes;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.RawHttp;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** The admin's JSON endpoints, each parsed with JsonFormat into its envoy.admin.v3 message, against a live data plane. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class AdminJsonEndpointsTest {
  /** tls/server.crt: serial and SANs as openssl prints them. */
  private static final String SERIAL = "62c5978684da60d042864688bdbdc051c74059fc";
  private TestUpstream up;
  private Dataplane dp;

  @BeforeAll
  void start() throws Exception {
    up = new TestUpstream("up");
    String tls = """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
            common_tls_context:
              tls_certificates:
              - certificate_chain: {filename: %s}
                private_key: {inline_string: "%s"}
        """.formatted(Http.resource("/tls/server.crt"), Files.readString(Path.of(Http.resource("/tls/server.key"))).replace("\n", "\\n"));
    // A TLS cluster that trusts the same certificate as its CA: /certs shows it as ca_cert.
    String tlsCluster = Bootstraps.staticCluster("tls_up", up.port(), """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
            common_tls_context:
              validation_context:
                trusted_ca: {filename: %s}
        """.formatted(Http.resource("/tls/server.crt")));
    dp = AdminTestBootstrap.start(up.port(), Duration.ofSeconds(1), AdminTestBootstrap.listener("secure", "", tls), tlsCluster);
    RawHttp.exchange(dp.port("inbound"), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 2000);
  }

  @AfterAll
  void stop() {
    dp.close();
    up.close();
  }

  private static <B extends com.google.protobuf.Message.Builder> B parse(String json, B builder) throws Exception {
    EnvoyTypes.PARSER.merge(json, builder);
    return builder;
  }

  @Test
  void clustersJson() throws Exception {
    var r = admin(dp, "GET", "/clusters?format=json");
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    Clusters clusters = parse(r.body(), Clusters.newBuilder()).build();
    ClusterStatus c = clusters.getClusterStatusesList().stream().filter(s -> s.getName().equals("up")).findFirst().orElseThrow();
    assertThat(clusters.getClusterStatusesList()).extracting(ClusterStatus::getName).containsExactlyInAnyOrder("up", "tls_up");
    assertThat(c.getName()).isEqualTo("up");
    assertThat(c.getAddedViaApi()).isFalse();
    assertThat(c.getCircuitBreakers().getThresholds(0).getMaxConnections().getValue()).isEqualTo(1024);
    HostStatus h = c.getHostStatuses(0);
    assertThat(h.getAddress().getSocketAddress().getAddress()).isEqualTo("127.0.0.1");
    assertThat(h.getAddress().getSocketAddress().getPortValue()).isEqualTo(up.port());
    assertThat(h.getHealthStatus().getEdsHealthStatus()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(h.getHealthStatus().getFailedActiveHealthCheck()).isFalse();
    assertThat(h.getWeight()).isEqualTo(1);
    assertThat(h.getStatsList()).anyMatch(s -> s.getName().equals("rq_active"));
    // Envoy prints proto field names.
    assertThat(r.body()).contains("\"cluster_statuses\"").contains("\"host_statuses\"");
  }

  @Test
  void initDumpIsEmptyWithStaticConfig() throws Exception {
    var r = admin(dp, "GET", "/init_dump");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(parse(r.body(), io.envoyproxy.envoy.admin.v3.UnreadyTargetsDumps.newBuilder()).getUnreadyTargetsDumpsCount()).isZero();
    assertThat(admin(dp, "GET", "/help").body()).contains("/init_dump: ");
  }

  @Test
  void listenersJson() throws Exception {
    Listeners ls = parse(admin(dp, "GET", "/listeners?format=json").body(), Listeners.newBuilder()).build();
    Map<String, Integer> ports = ls.getListenerStatusesList().stream()
        .collect(Collectors.toMap(ListenerStatus::getName, l -> l.getLocalAddress().getSocketAddress().getPortValue()));
    assertThat(ports).containsOnly(Map.entry("inbound", dp.port("inbound")), Map.entry("outbound", dp.port("outbound")),
        Map.entry("secure", dp.port("secure")));
  }

  @Test
  void configDumpResourceNameRegexAndMask() throws Exception {
    ConfigDump listeners = parse(admin(dp, "GET", "/config_dump?resource=static_listeners").body(), ConfigDump.newBuilder()).build();
    assertThat(listeners.getConfigsCount()).isEqualTo(3);
    assertThat(listeners.getConfigs(0).unpack(ListenersConfigDump.StaticListener.class).getListener().unpack(Listener.class)
        .getTrafficDirection().name()).isEqualTo("INBOUND");

    ConfigDump named = parse(admin(dp, "GET", "/config_dump?resource=static_listeners&name_regex=%5Eout").body(),
        ConfigDump.newBuilder()).build();
    assertThat(named.getConfigsCount()).isEqualTo(1);
    assertThat(named.getConfigs(0).unpack(ListenersConfigDump.StaticListener.class).getListener().unpack(Listener.class).getName())
        .isEqualTo("outbound");

    ConfigDump masked = parse(admin(dp, "GET", "/config_dump?resource=static_clusters&mask=cluster").body(),
        ConfigDump.newBuilder()).build();
    ClustersConfigDump.StaticCluster sc = masked.getConfigs(0).unpack(ClustersConfigDump.StaticCluster.class);
    assertThat(sc.getCluster().unpack(Cluster.class).getName()).isEqualTo("up");
    assertThat(sc.hasLastUpdated()).isFalse();
    // A mask path goes on into the packed cluster, as in Envoy: only its name is left.
    ConfigDump names = parse(admin(dp, "GET", "/config_dump?resource=static_clusters&mask=cluster.name").body(),
        ConfigDump.newBuilder()).build();
    Cluster onlyName = names.getConfigs(0).unpack(ClustersConfigDump.StaticCluster.class).getCluster().unpack(Cluster.class);
    assertThat(onlyName).isEqualTo(Cluster.newBuilder().setName("up").build());
    // Without resource the mask applies to each section: only the bootstrap section has a 'bootstrap' field.
    ConfigDump bootstrapOnly = parse(admin(dp, "GET", "/config_dump?mask=bootstrap.node").body(), ConfigDump.newBuilder()).build();
    assertThat(bootstrapOnly.getConfigs(0).unpack(io.envoyproxy.envoy.admin.v3.BootstrapConfigDump.class).getBootstrap()
        .hasStaticResources()).isFalse();
    assertThat(bootstrapOnly.getConfigs(1).unpack(ClustersConfigDump.class).getStaticClustersCount()).isZero();

    // Without resource, name_regex filters every section's resources; the bootstrap section stays.
    ConfigDump filtered = parse(admin(dp, "GET", "/config_dump?name_regex=secure").body(), ConfigDump.newBuilder()).build();
    assertThat(filtered.getConfigs(2).unpack(ListenersConfigDump.class).getStaticListenersCount()).isEqualTo(1);
    assertThat(filtered.getConfigs(1).unpack(ClustersConfigDump.class).getStaticClustersCount()).isZero();

    var unknown = admin(dp, "GET", "/config_dump?resource=no_such_field");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("no_such_field");
    assertThat(admin(dp, "GET", "/config_dump?name_regex=%5B").statusCode()).isEqualTo(400);
  }

  @Test
  void configDumpIncludeEds() throws Exception {
    ConfigDump dump = parse(admin(dp, "GET", "/config_dump?include_eds").body(), ConfigDump.newBuilder()).build();
    EndpointsConfigDump eds = dump.getConfigs(2).unpack(EndpointsConfigDump.class);
    assertThat(eds.getStaticEndpointConfigsCount()).isEqualTo(2);
    ClusterLoadAssignment cla = null;
    for (var e : eds.getStaticEndpointConfigsList()) {
      ClusterLoadAssignment a = e.getEndpointConfig().unpack(ClusterLoadAssignment.class);
      if (a.getClusterName().equals("up")) {
        cla = a;
      }
    }
    assertThat(cla).isNotNull();
    assertThat(cla.getClusterName()).isEqualTo("up");
    assertThat(cla.getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress().getPortValue()).isEqualTo(up.port());
    assertThat(cla.getEndpoints(0).getLbEndpoints(0).getHealthStatus()).isEqualTo(HealthStatus.HEALTHY);
    assertThat(dump.getConfigs(3).is(ListenersConfigDump.class)).isTrue();
    // Without include_eds there is no endpoints section.
    ConfigDump plain = parse(admin(dp, "GET", "/config_dump").body(), ConfigDump.newBuilder()).build();
    assertThat(plain.getConfigsList()).noneMatch(a -> a.is(EndpointsConfigDump.class));
  }

  @Test
  void certsShowTheListenerCertificate() throws Exception {
    Certificates certs = parse(admin(dp, "GET", "/certs").body(), Certificates.newBuilder()).build();
    assertThat(certs.getCertificatesCount()).isEqualTo(2); // the listener's, then the cluster's
    CertificateDetails d = certs.getCertificates(0).getCertChain(0);
    assertThat(d.getPath()).isEqualTo(Http.resource("/tls/server.crt"));
    assertThat(d.getSerialNumber()).isEqualTo(SERIAL);
    assertThat(d.getSubjectAltNamesList()).anyMatch(s -> s.getDns().equals("localhost"))
        .anyMatch(s -> s.getIpAddress().equals("127.0.0.1"));
    assertThat(d.getDaysUntilExpiration()).isGreaterThan(365);
    assertThat(d.getValidFrom().getSeconds()).isLessThan(d.getExpirationTime().getSeconds());
    assertThat(certs.getCertificates(0).getCaCertCount()).isZero();
    CertificateDetails ca = certs.getCertificates(1).getCaCert(0);
    assertThat(ca.getPath()).isEqualTo(Http.resource("/tls/server.crt"));
    assertThat(ca.getSerialNumber()).isEqualTo(SERIAL);
    assertThat(certs.getCertificates(1).getCertChainCount()).isZero();
  }

  @Test
  void runtimeHotRestartHelpAndResetCounters() throws Exception {
    var runtime = com.google.gson.JsonParser.parseString(admin(dp, "GET", "/runtime").body()).getAsJsonObject();
    assertThat(runtime.getAsJsonArray("layers")).hasSize(2);
    assertThat(runtime.getAsJsonObject("entries").size()).isZero();
    assertThat(admin(dp, "GET", "/hot_restart_version").body()).isEqualTo("disabled\n");
    assertThat(admin(dp, "GET", "/help").body()).startsWith("admin commands are:\n")
        .contains("  /drain_listeners (POST): drain listeners\n").contains("  /certs: print certs on machine\n");

    String stat = "http.inbound.downstream_rq_total";
    assertThat(admin(dp, "GET", "/stats?filter=" + stat).body()).isNotEqualTo(stat + ": 0\n");
    assertThat(admin(dp, "POST", "/reset_counters").body()).isEqualTo("OK\n");
    assertThat(admin(dp, "GET", "/stats?filter=" + stat).body()).isEqualTo(stat + ": 0\n");
  }
}

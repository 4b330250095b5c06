package io.wasmplane.integration.tls;

import static io.wasmplane.integration.Ports.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.controlplane.ControlPlane;
import io.wasmplane.controlplane.tls.ServerTls;
import io.wasmplane.integration.DataplaneProcess;
import io.wasmplane.integration.EchoUpstream;
import io.wasmplane.integration.XdsCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged data plane against our control-plane-stub serving xDS over mTLS (client certificates required) and
 * modules over HTTPS; the certificates come from the bootstrap xDS cluster's transport_socket (UpstreamTlsContext with
 * tls_certificates and validation_context) and the module cluster's trusted CA. The right client certificate gets
 * config and serves with the plugin; none, or one from another CA, never connects (connected_state 0, the log says
 * why); a module cluster that trusts the wrong CA fails the fetch with a clear error and the plugin never runs.
 */
@Timeout(180)
class XdsMtlsProcessTest {
  @TempDir
  Path dir;

  TestPki pki;
  TestPki rogue;
  TestPki.Issued client;
  ControlPlane stub;
  EchoUpstream upstream;
  int httpPort;
  int listenerPort;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @BeforeEach
  void start() throws Exception {
    pki = TestPki.create(dir, "wasmplane-test");
    rogue = TestPki.create(dir, "rogue");
    TestPki.Issued server = pki.issue("control-plane");
    client = pki.issue("dataplane");
    upstream = new EchoUpstream();
    httpPort = freePort();
    listenerPort = freePort();
    Path wasm = DataplaneProcess.repoRoot().resolve("plugins/build/assemblyscript/as_headers.wasm");
    assertThat(wasm).as("build the plugins first (plugins/build.sh)").isRegularFile();
    Path rollout = dir.resolve("rollout.yaml");
    Files.writeString(rollout, """
        moduleServer: {cluster: wasm_modules, baseUrl: "https://127.0.0.1:%d", timeout: 3s, numRetries: 1}
        plugins:
          - name: tls_headers
            rootId: as_headers
            vmId: tls
            failStrategy: FAIL_CLOSE
            version: v1
            module: %s
            pluginConfig: "stamp=over-mtls"
        listeners:
          - name: ingress
            address: {socketAddress: {address: 127.0.0.1, portValue: %d}}
            filterChains:
              - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typedConfig:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      statPrefix: ingress
                      rds: {routeConfigName: local, configSource: {ads: {}, resourceApiVersion: V3}}
                      httpFilters:
                        - name: envoy.filters.http.router
                          typedConfig: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
        routes:
          - name: local
            virtualHosts: [{name: all, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: echo}}]}]
        clusters:
          - name: echo
            type: STATIC
            connectTimeout: 1s
            loadAssignment:
              clusterName: echo
              endpoints: [{lbEndpoints: [{endpoint: {address: {socketAddress: {address: 127.0.0.1, portValue: %d}}}}]}]
        """.formatted(httpPort, wasm, listenerPort, upstream.port()));
    stub = ControlPlane.start(new ControlPlane.Options(rollout, "127.0.0.1", 0, httpPort, Duration.ofMillis(100),
        Optional.of(new ServerTls(server.certificate(), server.privateKey(), Optional.of(pki.caCertificate()), true))));
  }

  @AfterEach
  void stop() throws Exception {
    if (stub != null) {
      stub.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void rightClientCertificateGetsConfigAndTheModuleOverHttps_othersAreRefused() throws Exception {
    int goodAdmin = freePort();
    int noCertAdmin = freePort();
    int rogueAdmin = freePort();
    TestPki.Issued rogueClient = rogue.issue("impostor");
    try (DataplaneProcess good = start("good", goodAdmin, client, pki.caCertificate(), pki.caCertificate());
        DataplaneProcess noCert = start("no-cert", noCertAdmin, null, pki.caCertificate(), pki.caCertificate());
        DataplaneProcess impostor = start("impostor", rogueAdmin, rogueClient, pki.caCertificate(), pki.caCertificate())) {
      good.awaitReady(goodAdmin);
      await("the listener from xDS over mTLS serves with the plugin fetched over HTTPS", good,
          () -> "over-mtls".equals(stampOf(listenerPort)));
      assertThat(get("http://127.0.0.1:" + listenerPort + "/hello").body()).isEqualTo("upstream saw GET /hello");
      assertThat(stat(goodAdmin, "control_plane.connected_state")).isEqualTo("1");

      for (DataplaneProcess refused : new DataplaneProcess[] {noCert, impostor}) {
        int admin = refused == noCert ? noCertAdmin : rogueAdmin;
        refused.awaitReady(admin);
        await("a failed xDS attempt is logged with its cause", refused,
            () -> refused.output().contains(" stream to ") && refused.output().contains("UNAVAILABLE"));
        assertThat(stat(admin, "control_plane.connected_state")).isEqualTo("0");
        assertThat(get("http://127.0.0.1:" + admin + "/listeners").body()).doesNotContain("ingress");
      }
      assertThat(noCert.output()).containsIgnoringCase("certificate");
      assertThat(impostor.output()).containsIgnoringCase("certificate");
    }
  }

  @Test
  void aModuleClusterTrustingAnotherCaFailsTheFetchAndThePluginNeverRuns() throws Exception {
    int admin = freePort();
    try (DataplaneProcess dp = start("wrong-ca", admin, client, pki.caCertificate(), rogue.caCertificate())) {
      dp.awaitReady(admin);
      String moduleUri = "https://127.0.0.1:" + httpPort + "/modules/";
      await("the fetch failure is logged naming the module URI", dp, () -> dp.output().contains(moduleUri));
      assertThat(stat(admin, "control_plane.connected_state")).isEqualTo("1");
      assertThat(dp.output()).contains("event=wasm_fetch_attempt_failed").contains("SSLHandshakeException")
          .contains("unable to find valid certification path");
      assertThat(Long.parseLong(stat(admin, "wasm.remote_load_fetch_failures"))).isPositive();
      // FAIL_CLOSE without code: the listener never runs the plugin (no stamp), whatever it answers.
      for (int i = 0; i < 3; i++) {
        assertThat(stampOf(listenerPort)).isNotEqualTo("over-mtls");
      }
    }
  }

  private DataplaneProcess start(String node, int admin, TestPki.Issued clientCert, Path xdsCa, Path modulesCa) throws Exception {
    String certs = clientCert == null ? "" : """
                  tls_certificates: [{certificate_chain: {filename: "%s"}, private_key: {filename: "%s"}}]
        """.formatted(clientCert.certificate(), clientCert.privateKey());
    Path bootstrap = dir.resolve(node + ".yaml");
    Files.writeString(bootstrap, """
        node: {id: %s, cluster: edge}
        admin: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        dynamic_resources:
          ads_config: {api_type: GRPC, transport_api_version: V3, grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]}
          lds_config: {ads: {}, resource_api_version: V3, initial_fetch_timeout: 2s}
          cds_config: {ads: {}, resource_api_version: V3, initial_fetch_timeout: 2s}
        static_resources:
          clusters:
        %s
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                common_tls_context:
        %s
                  validation_context: {trusted_ca: {filename: "%s"}}
          - name: wasm_modules
            type: STATIC
            connect_timeout: 1s
            load_assignment:
              cluster_name: wasm_modules
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                common_tls_context:
                  validation_context: {trusted_ca: {filename: "%s"}}
        """.formatted(node, admin, XdsCluster.yaml(stub.xdsPort()), certs.stripTrailing(), xdsCa, httpPort, modulesCa));
    // A private module cache: a module another run fetched must not hide this process's fetch.
    Path cache = Files.createDirectories(dir.resolve("cache-" + node));
    return DataplaneProcess.start(java.util.Map.of("WASMPLANE_WASM_CACHE_DIR", cache.toString()),
        "-c", bootstrap.toString(), "--concurrency", "1", "-l", "info");
  }

  private String stampOf(int port) {
    try {
      HttpResponse<String> r = get("http://127.0.0.1:" + port + "/hello");
      return r.statusCode() == 200 ? r.headers().firstValue("x-as-stamp").orElse("none") : "status " + r.statusCode();
    } catch (Exception e) {
      return "unreachable";
    }
  }

  private String stat(int admin, String name) throws Exception {
    String body = get("http://127.0.0.1:" + admin + "/stats").body();
    return body.lines().filter(l -> l.startsWith(name + ": ")).map(l -> l.substring(name.length() + 2)).findFirst().orElse("absent");
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void await(String what, DataplaneProcess dp, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
    while (System.nanoTime() < deadline) {
      if (Boolean.TRUE.equals(condition.call())) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("timed out waiting for: " + what + "; data plane output:\n" + dp.output());
  }
}

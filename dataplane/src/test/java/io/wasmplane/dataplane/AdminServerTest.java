package io.wasmplane.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.admin.v3.ServerInfo;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.wasmplane.dataplane.config.EnvoyTypes;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.ProxyFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** The admin interface: Envoy's endpoints, names and formats, read over HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class AdminServerTest {
  private ProxyFixture fx;
  private final HttpClient client = Http.h1();

  @BeforeAll
  void start() throws Exception {
    fx = new ProxyFixture();
    // Some traffic so the stats have values.
    Http.get(client, fx.url("/a"));
    Http.get(client, fx.url("/direct"));
    Http.get(client, fx.url("/dead"));
  }

  @AfterAll
  void stop() throws Exception {
    fx.close();
  }

  private HttpResponse<String> admin(String method, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(fx.admin(path))).method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private long stat(String body, String name) {
    return body.lines().filter(l -> l.startsWith(name + ": ")).mapToLong(l -> Long.parseLong(l.substring(name.length() + 2))).findFirst()
        .orElseThrow(() -> new AssertionError("no stat " + name + " in\n" + body));
  }

  @Test
  void readyAndServerInfo() throws Exception {
    assertThat(admin("GET", "/ready").body()).isEqualTo("LIVE\n");
    String json = admin("GET", "/server_info").body();
    ServerInfo.Builder info = ServerInfo.newBuilder();
    JsonFormat.parser().merge(json, info);
    assertThat(info.getState()).isEqualTo(ServerInfo.State.LIVE);
    assertThat(info.getCommandLineOptions().getConcurrency()).isEqualTo(2);
  }

  @Test
  void statsUseEnvoyNames() throws Exception {
    String stats = admin("GET", "/stats").body();
    assertThat(stat(stats, "http.ingress_http.downstream_rq_total")).isGreaterThanOrEqualTo(3);
    assertThat(stat(stats, "http.ingress_http.downstream_rq_2xx")).isGreaterThanOrEqualTo(2);
    assertThat(stat(stats, "http.ingress_http.downstream_rq_5xx")).isGreaterThanOrEqualTo(1);
    assertThat(stat(stats, "http.ingress_http.rq_direct_response")).isGreaterThanOrEqualTo(1);
    assertThat(stat(stats, "cluster.a.upstream_rq_total")).isGreaterThanOrEqualTo(1);
    assertThat(stat(stats, "cluster.a.upstream_rq_200")).isGreaterThanOrEqualTo(1);
    assertThat(stat(stats, "cluster.a.upstream_cx_total")).isGreaterThanOrEqualTo(1);
    assertThat(stat(stats, "cluster.dead.upstream_cx_connect_fail")).isGreaterThanOrEqualTo(1);
    assertThat(stat(stats, "cluster.dead.upstream_rq_503")).isGreaterThanOrEqualTo(1);
    assertThat(stat(stats, "listener.127.0.0.1_" + fx.port() + ".downstream_cx_total")).isGreaterThanOrEqualTo(1);
    assertThat(stat(stats, "server.live")).isEqualTo(1);
    assertThat(stat(stats, "server.concurrency")).isEqualTo(2);
    String filtered = admin("GET", "/stats?filter=%5Ecluster%5C.a%5C.").body();
    assertThat(filtered.lines()).isNotEmpty().allMatch(l -> l.startsWith("cluster.a."));
  }

  @Test
  void prometheusWithEnvoyTags() throws Exception {
    String prom = admin("GET", "/stats/prometheus").body();
    assertThat(prom).contains("# TYPE envoy_http_downstream_rq_total counter\n")
        .containsPattern("envoy_http_downstream_rq_total\\{envoy_http_conn_manager_prefix=\"ingress_http\"} [1-9]")
        .containsPattern("envoy_cluster_upstream_rq\\{envoy_cluster_name=\"a\",envoy_response_code=\"200\"} [1-9]")
        .containsPattern("envoy_http_downstream_rq_xx\\{envoy_http_conn_manager_prefix=\"ingress_http\",envoy_response_code_class=\"2\"} [1-9]")
        .contains("# TYPE envoy_server_live gauge\nenvoy_server_live 1\n");
    assertThat(admin("GET", "/stats?format=prometheus").body()).contains("# TYPE envoy_http_downstream_rq_total counter\n");
  }

  @Test
  void configDumpIsEnvoyConfigDump() throws Exception {
    String json = admin("GET", "/config_dump").body();
    ConfigDump.Builder dump = ConfigDump.newBuilder();
    EnvoyTypes.PARSER.merge(json, dump);
    assertThat(dump.getConfigsCount()).isEqualTo(4);
    assertThat(dump.getConfigs(0).unpack(BootstrapConfigDump.class).getBootstrap().getStaticResources().getClustersCount()).isEqualTo(6);
    assertThat(dump.getConfigs(1).unpack(ClustersConfigDump.class).getStaticClustersCount()).isEqualTo(6);
    Listener l = dump.getConfigs(2).unpack(ListenersConfigDump.class).getStaticListeners(0).getListener().unpack(Listener.class);
    assertThat(l.getName()).isEqualTo("ingress");
    assertThat(dump.getConfigs(3).unpack(RoutesConfigDump.class).getStaticRouteConfigs(0).getRouteConfig().getTypeUrl())
        .endsWith("envoy.config.route.v3.RouteConfiguration");
  }

  @Test
  void clustersAndListeners() throws Exception {
    assertThat(admin("GET", "/clusters").body()).contains("a::127.0.0.1:" + fx.a.port() + "::health_flags::healthy\n")
        .contains("a::default_priority::max_connections::1024\n");
    assertThat(admin("GET", "/listeners").body()).isEqualTo("ingress::127.0.0.1:" + fx.port() + "\n");
  }

  @Test
  void mutationsNeedPost() throws Exception {
    assertThat(admin("GET", "/quitquitquit").statusCode()).isEqualTo(405);
    assertThat(admin("GET", "/logging?level=debug").statusCode()).isEqualTo(405);
    HttpResponse<String> set = admin("POST", "/logging?io.wasmplane.dataplane.router=debug");
    assertThat(set.statusCode()).isEqualTo(200);
    assertThat(set.body()).contains("io.wasmplane.dataplane.router: debug");
    assertThat(admin("POST", "/logging?io.wasmplane.dataplane.router=warning").body()).contains("io.wasmplane.dataplane.router: warn");
    assertThat(admin("POST", "/logging?level=loud").statusCode()).isEqualTo(400);
    assertThat(admin("GET", "/nope").statusCode()).isEqualTo(404);
  }
}

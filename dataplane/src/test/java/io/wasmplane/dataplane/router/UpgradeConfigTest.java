package io.wasmplane.dataplane.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawHttp;
import io.wasmplane.dataplane.testing.ScriptedUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * HCM and route upgrade_configs through real sockets: an Istio-shaped HCM ({@code upgrade_configs: [{upgrade_type:
 * websocket}]}) loads; an upgrade whose type the HCM does not list, or that a route disables, gets Envoy's 403
 * ({@code upgrade_failed}) and never reaches the upstream; refused sub-fields name the field.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
class UpgradeConfigTest {
  private static final String ROUTES = """
      - name: all
        domains: ["*"]
        routes:
        - match: {prefix: "/off"}
          route: {cluster: up, upgrade_configs: [{upgrade_type: WebSocket, enabled: false}]}
        - match: {prefix: "/"}
          route: {cluster: up}
      """;

  private ScriptedUpstream up;
  private Path log;
  private Dataplane dp;

  @BeforeAll
  void start() throws Exception {
    up = ScriptedUpstream.h1("up");
    log = Files.createTempFile("upgrade", ".log");
    dp = Bootstraps.start(Bootstraps.bootstrap(ROUTES, "upgrade_configs: [{upgrade_type: websocket}]",
        Bootstraps.staticCluster("up", up.port(), null), log, null));
  }

  @AfterAll
  void stop() {
    dp.close();
    up.close();
  }

  private String send(String path, String upgrade) throws Exception {
    return RawHttp.exchange(dp.port("ingress"), "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: "
        + upgrade + "\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", 1000);
  }

  @Test
  void routeThatDisablesWebsocketAnswers403WithoutCallingTheUpstream() throws Exception {
    int before = up.requests();
    long refused = refusedCount();
    assertThat(send("/off/chat", "websocket")).startsWith("HTTP/1.1 403 ");
    assertThat(up.requests()).isEqualTo(before);
    assertThat(refusedCount()).isEqualTo(refused + 1);
  }

  @Test
  void anEnabledUpgradeWithoutAMatchingRouteIsAPlain404() throws Exception {
    try (Dataplane only = Bootstraps.start(Bootstraps.bootstrap(ROUTES.replace("prefix: \"/\"}", "prefix: \"/only\"}"),
        "upgrade_configs: [{upgrade_type: websocket}]", Bootstraps.staticCluster("up", up.port(), null), log, null))) {
      assertThat(RawHttp.exchange(only.port("ingress"),
          "GET /elsewhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", 1000))
          .startsWith("HTTP/1.1 404 ");
    }
  }

  @Test
  void anUpgradeTheHcmDoesNotEnableIs403EvenWithoutARoute() throws Exception {
    // Envoy checks the upgrade when the stream starts, before routing decides anything.
    try (Dataplane only = Bootstraps.start(Bootstraps.bootstrap(ROUTES.replace("prefix: \"/\"}", "prefix: \"/only\"}"),
        null, Bootstraps.staticCluster("up", up.port(), null), log, null))) {
      assertThat(RawHttp.exchange(only.port("ingress"),
          "GET /elsewhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", 1000))
          .startsWith("HTTP/1.1 403 ");
    }
  }

  @Test
  void aRouteThatEnablesAnUpgradeOverridesTheHcm() throws Exception {
    // Envoy's table: HCM without the type (or disabled), route enabled -> allowed.
    try (Dataplane on = Bootstraps.start(Bootstraps.bootstrap(ROUTES.replace("enabled: false", "enabled: true"),
        null, Bootstraps.staticCluster("up", up.port(), null), log, null))) {
      int before = up.requests();
      String answer = RawHttp.exchange(on.port("ingress"), "GET /off/chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
          + "Upgrade: websocket\r\n\r\n", 1000);
      assertThat(answer).doesNotStartWith("HTTP/1.1 403 ");
      assertThat(up.requests()).isEqualTo(before + 1);
    }
  }

  @Test
  void nonUpgradeRequestsPassThroughUpgradeDisabledRoutes() throws Exception {
    int before = up.requests();
    String answer = RawHttp.exchange(dp.port("ingress"), "GET /off/page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1000);
    assertThat(answer).startsWith("HTTP/1.1 200 ");
    assertThat(up.requests()).isEqualTo(before + 1);
  }

  private long refusedCount() {
    return dp.server().stats().snapshot().counter("http.ingress_http.downstream_rq_ws_on_non_ws_route");
  }

  @Test
  void upgradeTypeTheHcmDoesNotListAnswers403() throws Exception {
    int before = up.requests();
    assertThat(send("/chat", "tls/1.3")).startsWith("HTTP/1.1 403 ");
    assertThat(up.requests()).isEqualTo(before);
  }

  @Test
  void enabledWebsocketUpgradeIsForwarded() throws Exception {
    int before = up.requests();
    assertThat(send("/chat", "websocket")).doesNotStartWith("HTTP/1.1 403 ");
    assertThat(up.requests()).isEqualTo(before + 1);
  }

  @Test
  void withoutUpgradeConfigsAWebsocketUpgradeIsRefused() throws Exception {
    try (Dataplane plain = Bootstraps.start(Bootstraps.bootstrap(ROUTES.replace("upgrade_configs: [{upgrade_type: WebSocket, enabled: false}]", ""),
        null, Bootstraps.staticCluster("up", up.port(), null), log, null))) {
      String answer = RawHttp.exchange(plain.port("ingress"),
          "GET /chat HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n", 1000);
      assertThat(answer).startsWith("HTTP/1.1 403 ");
    }
  }

  private static void translate(String yaml) {
    BootstrapTranslator.translate(BootstrapLoader.fromText(yaml, "t"), java.util.Optional.empty(), java.util.Optional.empty());
  }

  @Test
  void hcmUpgradeFiltersAreRefusedNamingTheField() {
    String yaml = Bootstraps.bootstrap(ROUTES, """
        upgrade_configs:
        - upgrade_type: websocket
          filters: [{name: envoy.filters.http.router}]
        """, Bootstraps.staticCluster("up", 1, null), log, null);
    assertThatThrownBy(() -> translate(yaml)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("upgrade_configs[0].filters");
  }

  @Test
  void connectConfigOnAnotherUpgradeTypeIsRefusedNamingTheField() {
    String yaml = Bootstraps.bootstrap(ROUTES.replace("enabled: false", "connect_config: {}"), null,
        Bootstraps.staticCluster("up", 1, null), log, null);
    assertThatThrownBy(() -> translate(yaml)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("upgrade_configs[0].connect_config: only valid with upgrade_type CONNECT");
  }

  @Test
  void connectConfigAllowPostIsRefusedNamingTheField() {
    String yaml = Bootstraps.bootstrap(ROUTES.replace("{upgrade_type: WebSocket, enabled: false}",
        "{upgrade_type: CONNECT, connect_config: {allow_post: true}}"), null, Bootstraps.staticCluster("up", 1, null), log, null);
    assertThatThrownBy(() -> translate(yaml)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("upgrade_configs[0].connect_config").hasMessageContaining("allow_post");
  }

  @Test
  void duplicateUpgradeTypeIsRefused() {
    String yaml = Bootstraps.bootstrap(ROUTES, "upgrade_configs: [{upgrade_type: websocket}, {upgrade_type: WEBSOCKET}]",
        Bootstraps.staticCluster("up", 1, null), log, null);
    assertThatThrownBy(() -> translate(yaml)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("upgrade_configs[1].upgrade_type: duplicate");
  }
}

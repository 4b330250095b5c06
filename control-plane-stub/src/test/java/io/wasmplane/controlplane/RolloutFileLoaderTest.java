package io.wasmplane.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.wasmplane.controlplane.config.CompiledConfig;
import io.wasmplane.controlplane.config.CompiledPlugin;
import io.wasmplane.controlplane.config.ConfigException;
import io.wasmplane.controlplane.config.ModuleStore;
import io.wasmplane.controlplane.config.NodeBucket;
import io.wasmplane.controlplane.config.PluginRelease;
import io.wasmplane.controlplane.config.RolloutFileLoader;
import io.wasmplane.controlplane.config.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file format: the shipped example loads, and each kind of mistake is reported with its field and cause. */
class RolloutFileLoaderTest {
  @TempDir
  Path dir;

  private ModuleStore modules;
  private RolloutFileLoader loader;

  @BeforeEach
  void setUp() throws Exception {
    modules = new ModuleStore();
    loader = new RolloutFileLoader(modules, "127.0.0.1", 18080);
    for (String m : new String[] {"auth_v1", "auth_v2", "stats", "l4"}) {
      Files.write(dir.resolve(m + ".wasm"), TestModules.module(m));
    }
  }

  private CompiledConfig load(String yaml) throws ConfigException, java.io.IOException {
    Path f = dir.resolve("rollout.yaml");
    Files.writeString(f, yaml);
    return loader.load(f);
  }

  private String error(String yaml) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> load(yaml));
    assertThat(t).isInstanceOf(ConfigException.class);
    return t.getMessage();
  }

  @Test
  void theShippedExampleLoads() throws Exception {
    Path example = Path.of(System.getProperty("user.dir"), "examples", "rollout.yaml");
    String text = Files.readString(example);
    String modulePath = "../../plugins/build/assemblyscript/as_headers.wasm";
    assertThat(text).contains(modulePath);
    // The example points at a plugin built by plugins/build.sh; use a stand-in module so this test needs no build.
    CompiledConfig cfg = load(text.replace(modulePath, "auth_v1.wasm"));
    assertThat(cfg.plugins()).hasSize(1);
    CompiledPlugin p = cfg.plugins().get(0);
    assertThat(p.base().label()).isEqualTo("v1");
    assertThat(p.rollout()).extracting(PluginRelease::label).containsExactly("v2");
    assertThat(cfg.listeners()).extracting(Listener::getName).containsExactly("ingress_http");
    assertThat(cfg.clusters()).extracting(Cluster::getName).containsExactly("demo_upstream", "wasm_modules");
    assertThat(cfg.routes()).hasSize(1);
    assertThat(cfg.endpoints()).hasSize(1);
    Node canary = AdsTestClient.node("n", "c", Map.of("canary", "true"));
    assertThat(p.releaseFor(canary).orElseThrow().label()).isEqualTo("v2");
    assertThat(p.releaseFor(Node.newBuilder().setId("x").build()).orElseThrow().label()).isEqualTo("v1");
    assertThat(modules.get(Sha256.hex(Files.readAllBytes(dir.resolve("auth_v1.wasm"))))).isPresent();
  }

  @Test
  void mistakesNameTheFieldAndTheCause() {
    String base = StubFixture.BASE_YAML;
    assertThat(error(base.replace("phase: AUTHN", "phase: AUTHX")))
        .contains("plugins[0].phase").contains("AUTHX");
    assertThat(error(base.replace("rootId: auth_root", "rootIdd: auth_root")))
        .contains("plugins[0].rootIdd").contains("rootIdd");
    assertThat(error(base.replace("module: stats.wasm", "module: nope.wasm")))
        .contains("plugins[1] (stats).module").contains("nope.wasm");
    assertThat(error(base.replace("listeners: [http_in]", "listeners: [http_out]")))
        .contains("plugins[1] (stats).listeners").contains("http_out");
    assertThat(error(base.replace("module: l4.wasm", "module: http://example.invalid/l4.wasm")))
        .contains("plugins[2] (l4).sha256");
    assertThat(error(base.replace("name: stats", "name: auth"))).contains("duplicate plugin name 'auth'");
    assertThat(error(base.replace("- version: v2", "- version: v1"))).contains("duplicate label 'v1'");
    assertThat(error(base.replace("selector: { metadata: { canary: \"true\" } }", "percentage: 120")))
        .contains("rollout.versions[0].percentage").contains("120");
    assertThat(error(base.replace("moduleServer: { cluster: wasm_modules, timeout: 3s, numRetries: 2 }", "")))
        .contains("moduleServer.cluster: required");
    // Errors inside embedded Envoy resources name the resource, the path and the Envoy type.
    assertThat(error(base.replace("statPrefix: tcp_in", "statPrefx: tcp_in")))
        .contains("listeners[1].filterChains[0].filters[0].typedConfig.statPrefx")
        .contains("envoy.config.listener.v3.Listener");
    assertThat(error(base.replace("connectTimeout: 1s", "connectTimeout: soon")))
        .contains("clusters[0].connectTimeout");
    assertThat(error("plugins: [ {")).contains("not valid YAML");
    assertThat(error("")).contains("empty");
  }

  @Test
  void istioTransportSocketMatchesWithRawBufferLoad() throws Exception {
    CompiledConfig cfg = load(StubFixture.BASE_YAML.replace("edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: V3 } }",
        "edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: V3 } }\n"
            + "    transportSocketMatches: [ { name: tlsMode-disabled, match: {}, transportSocket: { name: envoy.transport_sockets.raw_buffer,"
            + " typedConfig: { \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer } } } ]"));
    assertThat(cfg.clusters().get(0).getTransportSocketMatches(0).getTransportSocket().getTypedConfig().getTypeUrl())
        .endsWith("envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer");
  }

  @Test
  void urlModulesPassThroughWithTheirSha256() throws Exception {
    String sha = "ab".repeat(32);
    CompiledConfig cfg = load(StubFixture.BASE_YAML.replace("module: l4.wasm",
        "module: http://127.0.0.1:9/l4.wasm\n    sha256: " + sha));
    var remote = SotwAdsTest.pluginConfig(cfg.plugins().get(2).base().ecdsResource()).getVmConfig().getCode()
        .getRemote();
    assertThat(remote.getHttpUri().getUri()).isEqualTo("http://127.0.0.1:9/l4.wasm");
    assertThat(remote.getSha256()).isEqualTo(sha);
  }

  @Test
  void percentageRolloutSplitsNodesStablyByHash() throws Exception {
    CompiledConfig cfg = load(StubFixture.BASE_YAML.replace("selector: { metadata: { canary: \"true\" } }",
        "percentage: 30"));
    CompiledPlugin auth = cfg.plugins().get(0);
    int canaries = 0;
    for (int i = 0; i < 200; i++) {
      Node n = Node.newBuilder().setId("node-" + i).build();
      String label = auth.releaseFor(n).orElseThrow().label();
      assertThat(label).isEqualTo(NodeBucket.of("auth", n.getId()) < 30 ? "v2" : "v1");
      assertThat(auth.releaseFor(n).orElseThrow().label()).as("stable").isEqualTo(label);
      canaries += label.equals("v2") ? 1 : 0;
    }
    assertThat(canaries).isBetween(35, 85);
    CompiledPlugin none = load(StubFixture.BASE_YAML.replace("selector: { metadata: { canary: \"true\" } }",
        "percentage: 0")).plugins().get(0);
    CompiledPlugin all = load(StubFixture.BASE_YAML.replace("selector: { metadata: { canary: \"true\" } }",
        "percentage: 100")).plugins().get(0);
    for (int i = 0; i < 50; i++) {
      Node n = Node.newBuilder().setId("node-" + i).build();
      assertThat(none.releaseFor(n).orElseThrow().label()).isEqualTo("v1");
      assertThat(all.releaseFor(n).orElseThrow().label()).isEqualTo("v2");
    }
  }

  @Test
  void pluginWithoutBaseVersionSkipsNodesNoVersionTargets() throws Exception {
    CompiledConfig cfg = load(StubFixture.BASE_YAML
        .replace("    version: v1\n    module: auth_v1.wasm\n", "")
        .replace("module: auth_v2.wasm", "module: auth_v2.wasm"));
    CompiledPlugin auth = cfg.plugins().get(0);
    assertThat(auth.base()).isNull();
    assertThat(auth.releaseFor(AdsTestClient.node("a", "c", Map.of("canary", "false")))).isEmpty();
    assertThat(auth.releaseFor(AdsTestClient.node("b", "c", Map.of("canary", "true")))).isPresent();
    assertThatThrownBy(() -> load(StubFixture.BASE_YAML.replace("module: stats.wasm", "")))
        .hasMessageContaining("plugins[1] (stats).module: required");
  }
}

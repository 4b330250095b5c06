package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.counter;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EcdsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm;
import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.wasmplane.controlplane.ControlPlane;
import io.wasmplane.controlplane.xds.NodeStatusRegistry;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.EnvoyTypes;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.TestUpstream;
import io.wasmplane.dataplane.wasm.ModuleServer;
import io.wasmplane.dataplane.wasm.WasmTestSupport;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad plugin input through the control-plane path: our control-plane-stub pushes, over ECDS, updates of a serving
 * plugin whose code has a wrong sha256, is missing (404), comes from a server too slow for http_uri.timeout, is
 * truncated, is not Wasm, or refuses its configuration; each is NACKed with a message naming the URI / hashes /
 * cause, which the stub records and the data plane shows as the ECDS entry's error_state in /config_dump, while the
 * last good version keeps serving, the other Wasm filter of the listener and the other listener are untouched. A
 * plugin that traps on every request is accepted and contained by its failure policy (FAIL_OPEN).
 */
@Timeout(180)
class ControlPlaneStubBadInputTest {
  @TempDir
  Path dir;

  private final HttpClient http = Http.h1();

  /** The "stamp" plugin's version: a label, a module (local path or URL), its pinned sha256 (URLs), a configuration. */
  record Version(String label, String module, String sha256, String config) {}

  private static String rollout(Version v, Path echo, int modulesPort, int l1, int l2, int upstream) {
    return """
        moduleServer: { cluster: modules, baseUrl: "http://127.0.0.1:%d", timeout: 2s, numRetries: 0 }
        plugins:
          - name: stamp
            type: HTTP
            rootId: as_headers
            vmId: stamp_vm
            failStrategy: FAIL_OPEN
            listeners: [l1]
            version: %s
            module: "%s"
            sha256: "%s"
            pluginConfig: "%s"
          - name: other
            type: HTTP
            rootId: as_config_echo
            vmId: other_vm
            listeners: [l1]
            version: o1
            module: "%s"
            pluginConfig: "other"
        listeners:
          - %s
          - %s
        routes:
          - name: r1
            virtualHosts: [{ name: all, domains: ["*"], routes: [{ match: { prefix: / }, route: { cluster: c1 } }] }]
        clusters:
          - %s
          - %s
        """.formatted(modulesPort, v.label(), v.module(), v.sha256(), v.config(), echo, listener("l1", l1), listener("l2", l2),
        cluster("c1", upstream), cluster("modules", modulesPort));
  }

  private static String listener(String name, int port) {
    return """
        { name: %s, address: { socketAddress: { address: 127.0.0.1, portValue: %d } }, filterChains: [{ filters: [{
                name: envoy.filters.network.http_connection_manager, typedConfig: {
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager,
                  statPrefix: %s, rds: { routeConfigName: r1, configSource: { ads: {}, resourceApiVersion: V3 } },
                  httpFilters: [{ name: envoy.filters.http.router,
                    typedConfig: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router } }] } }] }] }"""
        .formatted(name, port, name);
  }

  private static String cluster(String name, int port) {
    return """
        { name: %s, type: STATIC, connectTimeout: 1s, loadAssignment: { clusterName: %s, endpoints: [{ lbEndpoints: [{
                endpoint: { address: { socketAddress: { address: 127.0.0.1, portValue: %d } } } }] }] } }"""
        .formatted(name, name, port);
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /** The same module with a custom section naming {@code tag}: runs the same, hashes differently (no cache hit). */
  static byte[] variant(byte[] wasm, String tag) {
    byte[] name = tag.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(wasm);
    out.write(0); // custom section
    out.write(1 + name.length); // section size (short tags: one LEB128 byte each)
    out.write(name.length);
    out.writeBytes(name);
    return out.toByteArray();
  }

  @Test
  void badUpdatesAreNackedNamingTheCauseAndNothingElseIsTouched() throws Exception {
    byte[] headers = Files.readAllBytes(WasmTestSupport.plugin("assemblyscript/as_headers.wasm"));
    Path echo = WasmTestSupport.plugin("assemblyscript/as_config_echo.wasm");
    Path trap = WasmTestSupport.wat("dp_trap");
    Path notWasm = Files.writeString(dir.resolve("notwasm.wasm"), "<html>not a module</html>");
    Path headersFile = Files.write(dir.resolve("as_headers.wasm"), headers);
    int l1 = Ports.freePort();
    int l2 = Ports.freePort();
    Path file = dir.resolve("rollout.yaml");
    try (TestUpstream up = new TestUpstream("up"); ModuleServer modules = new ModuleServer(headers)) {
      // Local modules are served by the module server at <baseUrl>/modules/<sha256>.wasm, as the stub's own would.
      for (Path p : new Path[] {headersFile, echo, trap, notWasm}) {
        byte[] b = Files.readAllBytes(p);
        modules.put("/modules/" + sha256(b) + ".wasm", b);
      }
      Version good = new Version("v1", headersFile.toString(), "", "stamp=v1");
      Files.writeString(file, rollout(good, echo, modules.port(), l1, l2, up.port()));
      try (ControlPlane stub = ControlPlane.start(new ControlPlane.Options(file, "127.0.0.1", 0, 0, Duration.ofMillis(50)));
          Dataplane dp = Resources.startDataplane("dp-bad", stub.xdsPort(), "GRPC")) {
        await("v1 serving on l1", () -> "v1".equals(header(l1, "x-as-stamp")));
        assertUntouched(l1, l2);

        String goodSha = sha256(headers);
        String wrong = sha256("not the module".getBytes(StandardCharsets.UTF_8));
        byte[] slow = variant(headers, "slow");
        byte[] truncated = variant(headers, "truncated");
        modules.put("/slow-1.wasm", slow);
        modules.put("/truncated-1.wasm", truncated);
        String missingSha = sha256(variant(headers, "missing"));

        nacked(stub, dp, file, echo, modules, l1, l2, up, new Version("wrong-sha", modules.url("/modules/" + goodSha + ".wasm"), wrong,
            "stamp=x"), modules.url("/modules/" + goodSha + ".wasm"), "sha256 mismatch", "expected " + wrong, "got " + goodSha);
        nacked(stub, dp, file, echo, modules, l1, l2, up, new Version("missing", modules.url("/missing-1.wasm"), missingSha, "stamp=x"),
            modules.url("/missing-1.wasm"), "HTTP status 404");
        nacked(stub, dp, file, echo, modules, l1, l2, up, new Version("slow", modules.url("/slow-1.wasm"), sha256(slow), "stamp=x"),
            modules.url("/slow-1.wasm"), "timed out after 2000 ms");
        nacked(stub, dp, file, echo, modules, l1, l2, up, new Version("truncated", modules.url("/truncated-1.wasm"), sha256(truncated),
            "stamp=x"), modules.url("/truncated-1.wasm"), "of " + truncated.length);
        String textSha = sha256(Files.readAllBytes(notWasm));
        nacked(stub, dp, file, echo, modules, l1, l2, up, new Version("not-wasm", notWasm.toString(), "", "stamp=x"),
            textSha, "cannot load");
        nacked(stub, dp, file, echo, modules, l1, l2, up, new Version("refuses", headersFile.toString(), "", "nostamp=1"),
            "'stamp'", "CONFIGURE_FAILED", "on_configure");
        assertThat(modules.hits("/slow-1.wasm")).as("one attempt (num_retries 0)").isEqualTo(1);
        assertThat(counter(dp, "extension_config_discovery.http_filter.stamp.config_fail")).isEqualTo(6);
        assertThat(counter(dp, "wasm.remote_load_fetch_failures")).isEqualTo(4);
        for (String reason : new String[] {"sha256_mismatch", "http_status", "timeout", "truncated"}) {
          assertThat(counter(dp, "wasm.remote_load_fetch_failures." + reason)).as("fetch failures by cause: %s", reason).isEqualTo(1);
        }

        // A plugin that traps on every request loads fine (ACK) and is contained by FAIL_OPEN: streams pass without
        // it, the other filter still runs, the other listener never notices; the ECDS error_state is cleared.
        Files.writeString(file, rollout(new Version("traps", trap.toString(), "", "x"), echo, modules.port(), l1, l2, up.port()));
        await("the trapping version ACKed", () -> "traps".equals(plugin(stub).running()));
        for (int i = 0; i < 3; i++) {
          HttpResponse<String> r = Http.get(http, "http://127.0.0.1:" + l1 + "/x");
          assertThat(r.statusCode()).isEqualTo(200);
          assertThat(r.headers().allValues("x-as-stamp")).isEmpty();
          assertThat(r.headers().allValues("x-config")).containsExactly("other");
          HttpResponse<String> r2 = Http.get(http, "http://127.0.0.1:" + l2 + "/x");
          assertThat(r2.statusCode()).isEqualTo(200);
          assertThat(r2.headers().allValues("x-config")).isEmpty();
        }
        assertThat(ecds(dp, "stamp").hasErrorState()).as("error_state is cleared by the next accepted update").isFalse();
      }
    }
  }

  @Test
  void aFirstVersionWhoseCodeCannotBeHadIsAcceptedServesByItsFailurePolicyAndShowsTheCause() throws Exception {
    byte[] headers = Files.readAllBytes(WasmTestSupport.plugin("assemblyscript/as_headers.wasm"));
    Path echo = WasmTestSupport.plugin("assemblyscript/as_config_echo.wasm");
    Path headersFile = Files.write(dir.resolve("as_headers.wasm"), headers);
    int l1 = Ports.freePort();
    int l2 = Ports.freePort();
    Path file = dir.resolve("rollout.yaml");
    try (TestUpstream up = new TestUpstream("up"); ModuleServer modules = new ModuleServer(headers)) {
      for (Path p : new Path[] {headersFile, echo}) {
        byte[] b = Files.readAllBytes(p);
        modules.put("/modules/" + sha256(b) + ".wasm", b);
      }
      String missingSha = sha256(variant(headers, "first-missing"));
      Version missing = new Version("v0", modules.url("/missing-0.wasm"), missingSha, "stamp=v0");
      Files.writeString(file, rollout(missing, echo, modules.port(), l1, l2, up.port()));
      try (ControlPlane stub = ControlPlane.start(new ControlPlane.Options(file, "127.0.0.1", 0, 0, Duration.ofMillis(50)));
          Dataplane dp = Resources.startDataplane("dp-first", stub.xdsPort(), "GRPC")) {
        // Envoy's semantics for a first version: the listener warmed until the fetch ended, the config is accepted, and
        // the plugin that could not be had fails by its policy (FAIL_OPEN: streams pass without it).
        await("v0 ACKed", () -> "v0".equals(plugin(stub).running()));
        await("l1 serving", () -> "other".equals(header(l1, "x-config")));
        HttpResponse<String> r = Http.get(http, "http://127.0.0.1:" + l1 + "/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().allValues("x-as-stamp")).isEmpty();
        assertThat(Http.get(http, "http://127.0.0.1:" + l2 + "/x").statusCode()).isEqualTo(200);
        assertThat(counter(dp, "wasm.remote_load_fetch_failures.http_status")).isEqualTo(1);
        EcdsConfigDump.EcdsFilterConfig entry = ecds(dp, "stamp");
        assertThat(entry.getErrorState().getDetails()).contains("could not be loaded", modules.url("/missing-0.wasm"), "HTTP status 404");
        assertThat(pluginConfig(entry.getErrorState().getFailedConfiguration()).getVmConfig().getCode().getRemote().getSha256())
            .isEqualTo(missingSha);
        assertThat(entry.getErrorState().getLastUpdateAttempt().getSeconds()).isPositive();

        // A good version replaces it (nothing was serving, so this is no update that could be refused) and clears the error.
        Files.writeString(file, rollout(new Version("v1", headersFile.toString(), "", "stamp=v1"), echo, modules.port(), l1, l2,
            up.port()));
        await("v1 serving", () -> "v1".equals(header(l1, "x-as-stamp")));
        assertThat(ecds(dp, "stamp").hasErrorState()).isFalse();
        assertUntouched(l1, l2);

        // A listener (LDS) whose inline Wasm filter refuses its configuration: NACKed, error_state on the dynamic listener.
        int l3 = Ports.freePort();
        String inline = listener("l3", l3).replace("httpFilters: [", """
            httpFilters: [{ name: envoy.filters.http.wasm, typedConfig: {
                    "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm, config: { name: inline, rootId: as_headers,
                    configuration: { "@type": type.googleapis.com/google.protobuf.StringValue, value: "nostamp=1" },
                    vmConfig: { vmId: inline_vm, runtime: envoy.wasm.runtime.v8, code: { local: { filename: "%s" } } } } } },
            """.formatted(headersFile));
        Files.writeString(file, rollout(new Version("v1", headersFile.toString(), "", "stamp=v1"), echo, modules.port(), l1, l2,
            up.port()).replace("\nroutes:", "\n  - " + inline + "\nroutes:"));
        await("l3 NACKed", () -> counter(dp, "listener_manager.lds.update_rejected") >= 1);
        ListenersConfigDump listeners = dump(dp).stream().filter(a -> a.is(ListenersConfigDump.class)).findFirst().orElseThrow()
            .unpack(ListenersConfigDump.class);
        var dl = listeners.getDynamicListenersList().stream().filter(l -> l.getName().equals("l3")).findFirst().orElseThrow();
        assertThat(dl.getErrorState().getDetails()).contains("l3", "CONFIGURE_FAILED");
        assertThat(dl.getErrorState().getFailedConfiguration().unpack(io.envoyproxy.envoy.config.listener.v3.Listener.class).getName())
            .isEqualTo("l3");
        assertThat(dl.getErrorState().getLastUpdateAttempt().getSeconds()).isPositive();
        assertUntouched(l1, l2);
      }
    }
  }

  /** Pushes {@code bad}, expects its NACK with every fragment in the stub's record and the data plane's error_state. */
  private void nacked(ControlPlane stub, Dataplane dp, Path file, Path echo, ModuleServer modules, int l1, int l2, TestUpstream up,
      Version bad, String... fragments) throws Exception {
    Instant pushed = Instant.now().minusSeconds(1);
    Files.writeString(file, rollout(bad, echo, modules.port(), l1, l2, up.port()));
    await(bad.label() + " NACKed", () -> bad.label().equals(plugin(stub).rejected()));
    NodeStatusRegistry.PluginStatus p = plugin(stub);
    assertThat(p.running()).as("the serving version").isEqualTo("v1");
    assertThat(p.rejectError()).as("the NACK the control plane got for %s", bad.label()).contains(fragments);

    assertThat(Http.get(http, "http://127.0.0.1:" + dp.adminPort() + "/config_dump").body()).as("Envoy's field names")
        .contains("\"ecds_filters\"", "\"error_state\"", "\"failed_configuration\"", "\"last_update_attempt\"", "\"details\"");
    EcdsConfigDump.EcdsFilterConfig entry = ecds(dp, "stamp");
    assertThat(entry.hasErrorState()).isTrue();
    var error = entry.getErrorState();
    assertThat(error.getDetails()).contains(fragments);
    assertThat(Instant.ofEpochSecond(error.getLastUpdateAttempt().getSeconds())).isAfterOrEqualTo(pushed.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    PluginConfig failed = pluginConfig(error.getFailedConfiguration());
    assertThat(failed.getConfiguration().unpack(StringValue.class).getValue()).as("failed_configuration is the rejected config")
        .isEqualTo(bad.config());
    if (!bad.sha256().isEmpty()) {
      assertThat(failed.getVmConfig().getCode().getRemote().getSha256()).isEqualTo(bad.sha256());
    }
    assertThat(pluginConfig(entry.getEcdsFilter()).getConfiguration().unpack(StringValue.class).getValue()).as("the accepted config")
        .isEqualTo("stamp=v1");
    assertUntouched(l1, l2);
  }

  /** l1 still runs v1 of "stamp" and the "other" filter; l2 (no plugins) still proxies. */
  private void assertUntouched(int l1, int l2) throws Exception {
    HttpResponse<String> r = Http.get(http, "http://127.0.0.1:" + l1 + "/x");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().allValues("x-as-stamp")).containsExactly("v1");
    assertThat(r.headers().allValues("x-config")).containsExactly("other");
    HttpResponse<String> r2 = Http.get(http, "http://127.0.0.1:" + l2 + "/x");
    assertThat(r2.statusCode()).isEqualTo(200);
    assertThat(r2.headers().allValues("x-as-stamp")).isEmpty();
    assertThat(r2.headers().allValues("x-config")).isEmpty();
  }

  private static PluginConfig pluginConfig(com.google.protobuf.Any typedExtensionConfig) throws Exception {
    return typedExtensionConfig.unpack(TypedExtensionConfig.class).getTypedConfig().unpack(Wasm.class).getConfig();
  }

  private String header(int port, String name) {
    try {
      return Http.get(http, "http://127.0.0.1:" + port + "/x").headers().firstValue(name).orElse(null);
    } catch (Exception e) {
      return null;
    }
  }

  private static NodeStatusRegistry.PluginStatus plugin(ControlPlane stub) {
    return stub.nodes().view().stream().flatMap(n -> n.plugins().stream()).filter(p -> p.filter().equals("stamp")).findFirst()
        .orElse(new NodeStatusRegistry.PluginStatus("stamp", null, null, null, null));
  }

  private java.util.List<com.google.protobuf.Any> dump(Dataplane dp) throws Exception {
    String json = Http.get(http, "http://127.0.0.1:" + dp.adminPort() + "/config_dump").body();
    ConfigDump.Builder dump = ConfigDump.newBuilder();
    EnvoyTypes.PARSER.merge(json, dump);
    return dump.getConfigsList();
  }

  private EcdsConfigDump.EcdsFilterConfig ecds(Dataplane dp, String name) throws Exception {
    var configs = dump(dp);
    for (var any : configs) {
      if (any.is(EcdsConfigDump.class)) {
        for (EcdsConfigDump.EcdsFilterConfig f : any.unpack(EcdsConfigDump.class).getEcdsFiltersList()) {
          Optional<String> n = f.hasEcdsFilter() ? Optional.of(f.getEcdsFilter().unpack(TypedExtensionConfig.class).getName())
              : Optional.empty();
          if (n.isPresent() && n.get().equals(name)) {
            return f;
          }
        }
      }
    }
    throw new AssertionError("no ECDS entry " + name + " in " + configs);
  }
}

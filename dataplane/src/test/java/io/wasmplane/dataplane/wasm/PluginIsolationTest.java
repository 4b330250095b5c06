package io.wasmplane.dataplane.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a plugin may see and do, through the data plane with a real C plugin (plugins/c/c_sandbox.c): only the
 * environment its vm_config names, shared data only of its own vm_id (two filters on the same worker), and Envoy's
 * capability_restriction_config (disallowed host calls answer as stubs, a disallowed WASI call the module needs at
 * start refuses the plugin).
 */
@Timeout(120)
class PluginIsolationTest {
  /** The allow list a c_sandbox filter needs to answer /P/caps (configure, headers, local reply, WASI environ). */
  static final List<String> CAPS_NEEDED = List.of("proxy_on_configure", "proxy_get_buffer_bytes", "proxy_on_context_create",
      "proxy_on_request_headers", "proxy_get_header_map_value", "proxy_send_local_response", "environ_get", "environ_sizes_get");

  /** An http_filters entry running c_sandbox with prefix {@code prefix}; {@code extraPluginYaml} goes into config. */
  static String sandbox(String prefix, String vmId, String vmExtraYaml, String extraPluginYaml) {
    return """
        - name: envoy.filters.http.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
            config:
              name: sandbox_%s
              root_id: sandbox
              configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: "%s"}
        %s
              vm_config:
                vm_id: %s
                code:
                  local: {filename: "%s"}
        %s
        """.formatted(prefix, prefix, indent(extraPluginYaml, 6), vmId, WasmTestSupport.plugin("c/c_sandbox.wasm"), indent(vmExtraYaml, 8));
  }

  static String capabilities(List<String> allowed) {
    return "capability_restriction_config:\n  allowed_capabilities:\n"
        + allowed.stream().map(c -> "    " + c + ": {}\n").collect(Collectors.joining());
  }

  private static String indent(String yaml, int n) {
    return yaml.lines().map(l -> " ".repeat(n) + l).collect(Collectors.joining("\n"));
  }

  private static String body(Dataplane dp, String path) throws Exception {
    return Http.get(Http.h1(), "http://127.0.0.1:" + dp.port("ingress") + path).body();
  }

  private static Set<String> lines(String body) {
    return body.lines().collect(Collectors.toSet());
  }

  @Test
  void eachPluginSeesOnlyTheEnvironmentItsVmConfigNames() throws Exception {
    String path = System.getenv("PATH");
    String a = sandbox("a", "vm_a", """
        environment_variables:
          host_env_keys: [PATH, WASMPLANE_SURELY_UNSET_VARIABLE]
          key_values: {GREETING: hello}
        """, "");
    String b = sandbox("b", "vm_b", "environment_variables: {key_values: {ONLY_B: \"yes\"}}", "");
    String none = sandbox("c", "vm_c", "", "");
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = WasmTestSupport.start(a + b + none, up.port(), "", 1)) {
      assertThat(lines(body(dp, "/a/env"))).isEqualTo(Set.of("GREETING=hello", "PATH=" + path));
      assertThat(lines(body(dp, "/b/env"))).isEqualTo(Set.of("ONLY_B=yes"));
      assertThat(body(dp, "/c/env")).isEmpty();
      assertThat(body(dp, "/through")).startsWith("GET /through\n");
    }
  }

  @Test
  void aKeyInBothEnvironmentListsIsRefusedNamingTheField() throws Exception {
    String dup = sandbox("a", "vm_a", "environment_variables: {host_env_keys: [PATH], key_values: {PATH: /bin}}", "");
    try (TestUpstream up = new TestUpstream("up")) {
      assertThatThrownBy(() -> WasmTestSupport.start(dup, up.port(), "", 1).close()).isInstanceOf(ConfigException.class)
          .hasMessageContaining("vm_config.environment_variables: key 'PATH' is in both host_env_keys and key_values");
    }
  }

  @Test
  void sharedDataNeverCrossesVmIdsOnTheSameWorker() throws Exception {
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = WasmTestSupport.start(sandbox("a", "tenant_a", "", "") + sandbox("b", "tenant_b", "", ""), up.port(), "", 1)) {
      assertThat(body(dp, "/a/shared/set/secret-of-a")).isEqualTo("set 0");
      assertThat(body(dp, "/a/shared/get")).isEqualTo("value=secret-of-a");
      assertThat(body(dp, "/b/shared/get")).isEqualTo("missing 1"); // NOT_FOUND: tenant_b's store is its own
      assertThat(body(dp, "/b/shared/set/secret-of-b")).isEqualTo("set 0");
      assertThat(body(dp, "/a/shared/get")).isEqualTo("value=secret-of-a");
      assertThat(body(dp, "/b/shared/get")).isEqualTo("value=secret-of-b");
    }
    // The control: the same vm_id is one shared-data scope (Envoy's semantics), so the test above can fail.
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = WasmTestSupport.start(sandbox("a", "tenant_same", "", "") + sandbox("b", "tenant_same", "", ""), up.port(), "", 1)) {
      assertThat(body(dp, "/a/shared/set/shared-value")).isEqualTo("set 0");
      assertThat(body(dp, "/b/shared/get")).isEqualTo("value=shared-value");
    }
  }

  @Test
  void capabilityRestrictionStubsDisallowedHostAndWasiCalls() throws Exception {
    String open = sandbox("open", "vm_open", "", "");
    String restricted = sandbox("restricted", "vm_restricted", "", capabilities(CAPS_NEEDED));
    // proxy_on_request_headers is not allowed: the callback is never called, requests pass untouched
    String deaf = sandbox("deaf", "vm_deaf", "", capabilities(List.of("proxy_on_configure", "proxy_get_buffer_bytes",
        "environ_get", "environ_sizes_get")));
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = WasmTestSupport.start(open + restricted + deaf, up.port(), "", 1)) {
      assertThat(body(dp, "/open/caps")).isEqualTo("add_header=0 random_get=0");
      // proxy_add_header_map_value: UNIMPLEMENTED (12); WASI random_get: ENOSYS (52)
      assertThat(body(dp, "/restricted/caps")).isEqualTo("add_header=12 random_get=52");
      assertThat(body(dp, "/deaf/caps")).startsWith("GET /deaf/caps\n");
    }
  }

  @Test
  void aModuleNeedingADisallowedWasiCallAtStartIsRefused() throws Exception {
    // wasi-libc reads the environment in _initialize; without environ_* it exits, so the plugin never serves.
    String refused = sandbox("r", "vm_r", "", capabilities(List.of("proxy_on_request_headers", "proxy_send_local_response")));
    try (TestUpstream up = new TestUpstream("up")) {
      assertThatThrownBy(() -> WasmTestSupport.start(refused, up.port(), "", 1).close())
          .hasMessageContaining("sandbox_r").hasMessageContaining("canary");
    }
  }
}

package io.wasmplane.dataplane.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.MalformedWasm;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Plugin code that is not a usable module never sees traffic: in a static bootstrap it is a startup error naming the
 * plugin and the cause; fetched remotely (sha256 matching, so it passes verification) it fails to load and the
 * plugin never runs. ECDS NACKs it (xds/MalformedWasmNackTest).
 */
@Timeout(120)
class MalformedWasmRefusedTest {
  private static final Map<String, byte[]> CASES = MalformedWasm.cases();

  static Stream<Arguments> cases() {
    return CASES.keySet().stream().map(Arguments::of);
  }

  private static String filter(String pluginName, String code) {
    return """
        - name: envoy.filters.http.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
            config:
              name: %s
              failure_policy: FAIL_OPEN
              vm_config:
                runtime: envoy.wasm.runtime.v8
                code: %s
        """.formatted(pluginName, code);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void aStaticBootstrapWithItIsAStartupErrorNamingThePlugin(String name, @TempDir Path dir) throws Exception {
    Path file = dir.resolve(name + ".wasm");
    Files.write(file, CASES.get(name));
    try (TestUpstream up = new TestUpstream("up")) {
      // even FAIL_OPEN: code that cannot load is a configuration error, not a run-time failure to step around
      assertThatThrownBy(() -> WasmTestSupport.start(filter("bad_" + name, "{local: {filename: \"" + file + "\"}}"),
          up.port(), "", 1).close())
          .hasMessageContaining("bad_" + name)
          .hasMessageContaining(MalformedWasm.cause(name));
      assertThat(up.requests.get()).isZero();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void remoteCodeThatPassesVerificationButCannotLoadNeverRuns(String name, @TempDir Path cache) throws Exception {
    byte[] bytes = CASES.get(name);
    System.setProperty("wasmplane.wasm.cache_dir", cache.toString()); // a cold cache: the fetch is seen
    try (ModuleServer modules = new ModuleServer(new byte[0]); TestUpstream up = new TestUpstream("up")) {
      modules.put("/malformed-" + name + ".wasm", bytes);
      String code = """
          {remote: {http_uri: {uri: "%s", cluster: modules, timeout: 10s}, sha256: "%s"}}"""
          .formatted(modules.url("/malformed-" + name + ".wasm"), Sha256.hex(bytes));
      String cluster = io.wasmplane.dataplane.testing.Bootstraps.staticCluster("modules", modules.port(), null);
      assertThatThrownBy(() -> WasmTestSupport.start(filter("remote_" + name, code), up.port(), cluster, 1).close())
          .hasMessageContaining("remote_" + name).hasMessageContaining(MalformedWasm.cause(name));
      assertThat(modules.hits("/malformed-" + name + ".wasm")).isEqualTo(1);
      assertThat(up.requests.get()).isZero();
    } finally {
      System.clearProperty("wasmplane.wasm.cache_dir");
    }
  }
}

package io.wasmplane.wasm.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.wasm.AbiVersion;
import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.FailState;
import io.wasmplane.wasm.FilterHeadersStatus;
import io.wasmplane.wasm.HttpContext;
import io.wasmplane.wasm.LogLevel;
import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.MetricType;
import io.wasmplane.wasm.MetricValue;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.PluginModule;
import io.wasmplane.wasm.PropertyEncoding;
import io.wasmplane.wasm.RootContext;
import io.wasmplane.wasm.SharedData;
import io.wasmplane.wasm.StreamType;
import io.wasmplane.wasm.VmConfig;
import io.wasmplane.wasm.WasmException;
import io.wasmplane.wasm.WasmRuntime;
import io.wasmplane.wasm.WasmVm;
import io.wasmplane.wasm.host.ContextHost;
import io.wasmplane.wasm.host.LocalResponse;
import io.wasmplane.wasm.testing.ResourceTrackingTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The AssemblyScript SDK (@solo-io/proxy-runtime 0.1.8, ABI 0.2.0) plugins as_headers and as_config_echo, built from
 * source by plugins/assemblyscript/build.sh, run through the runtime's public API in both execution modes.
 */
class AssemblyScriptPluginTest extends ResourceTrackingTest {
  private static final String CONFIG = "stamp=blue\nauth_cluster=auth\n";

  private static PluginConfig plugin(String configuration) {
    return PluginConfig.of("as-plugin", "as_headers", configuration.getBytes(StandardCharsets.UTF_8));
  }

  /** A VM with the as_headers root context configured, everything created on the VM's own thread. */
  private RootContext root(WasmRuntime runtime, LoopbackVmHost host, String vmId, String configuration)
      throws Exception {
    PluginModule module = runtime.load(Plugins.bytes("assemblyscript", "as_headers"));
    assertThat(module.abiVersion()).isEqualTo(AbiVersion.V0_2_0);
    WasmVm vm = track(host.onVm(() -> runtime.startVm(module, VmConfig.of(vmId), host)));
    return host.onVm(() -> vm.createRootContext(plugin(configuration), new ContextHost() {}));
  }

  private static StreamHost request(String path, String user) {
    return new StreamHost()
        .requestHeaders(ListHeaders.of(":method", "GET", ":path", path, ":authority", "shop.local",
            "user-agent", "curl/8", "x-user", user))
        .responseHeaders(ListHeaders.of(":status", "200", "content-type", "text/plain", "x-internal", "secret"))
        .property(List.of("source", "address"), PropertyEncoding.string("127.0.0.1:40001"));
  }

  private static String sharedText(SharedData data, String vmId, String key) {
    SharedData.Entry entry = data.get(vmId, key);
    return entry == null ? null : new String(entry.value(), StandardCharsets.UTF_8);
  }

  private static MetricValue metric(WasmRuntime runtime, String name) {
    return runtime.metrics().snapshot().stream()
        .filter(m -> m.name().equals(name) || m.name().endsWith("." + name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no metric " + name + " in " + runtime.metrics().snapshot()));
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void stampsRequestAndResponseFromTheConfigurationAndEchoesProperties(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.INFO));
    RootContext root = root(runtime, host, "vm-as-1", CONFIG);
    StreamHost stream = request("/hello", "alice");

    HttpContext http = host.onVm(() -> root.newHttpContext(stream));
    assertThat(host.onVm(() -> http.onRequestHeaders(5, true))).isEqualTo(FilterHeadersStatus.CONTINUE);
    ListHeaders req = stream.map(MapType.HTTP_REQUEST_HEADERS);
    assertThat(req.get("x-as-stamp")).isEqualTo("blue");
    assertThat(req.get("x-as-route")).isEqualTo("GET /hello");
    assertThat(req.get("x-as-plugin")).isEqualTo("as-plugin");
    assertThat(req.get("x-as-source")).isEqualTo("127.0.0.1:40001");
    assertThat(req.get("x-as-seen")).isEqualTo("1");

    assertThat(host.onVm(() -> http.onResponseHeaders(3, false))).isEqualTo(FilterHeadersStatus.CONTINUE);
    ListHeaders resp = stream.map(MapType.HTTP_RESPONSE_HEADERS);
    assertThat(resp.get("x-as-stamp")).isEqualTo("blue");
    assertThat(resp.get("x-as-user")).as("read back from the property the plugin set").isEqualTo("alice");
    assertThat(resp.get("x-internal")).isNull();
    assertThat(resp.get("content-type")).isEqualTo("text/plain");

    host.onVm(() -> {
      http.onLog();
      http.close();
      return null;
    });
    assertThat(host.messages(LogLevel.INFO)).contains("as_headers: GET /hello -> 200");
    assertThat(stream.localResponses).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void denyPathIsAnsweredLocally(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.INFO));
    RootContext root = root(runtime, host, "vm-as-deny", CONFIG);
    StreamHost stream = request("/deny/me", "mallory");

    HttpContext http = host.onVm(() -> root.newHttpContext(stream));
    FilterHeadersStatus status = host.onVm(() -> http.onRequestHeaders(5, true));

    // the SDK returns StopIteration; without allow_on_headers_stop_iteration Envoy makes it StopAllIterationAndWatermark
    assertThat(status).isEqualTo(FilterHeadersStatus.STOP_ALL_ITERATION_AND_WATERMARK);
    assertThat(stream.localResponses).hasSize(1);
    LocalResponse reply = stream.localResponses.get(0);
    assertThat(reply.statusCode()).isEqualTo(403);
    assertThat(reply.details()).isEqualTo("as_headers_denied");
    assertThat(new String(reply.body(), StandardCharsets.UTF_8)).isEqualTo("denied by as_headers");
    assertThat(reply.headers()).containsExactly(Map.entry("x-denied-by", "blue"));
    assertThat(stream.map(MapType.HTTP_REQUEST_HEADERS).get("x-as-stamp")).isNull();
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void stopIterationIsHonouredWhenThePluginConfigAllowsIt(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.WARN));
    PluginModule module = runtime.load(Plugins.bytes("assemblyscript", "as_headers"));
    WasmVm vm = track(host.onVm(() -> runtime.startVm(module, VmConfig.of("vm-as-allow"), host)));
    PluginConfig allowing = new PluginConfig("as-plugin", "as_headers", CONFIG.getBytes(StandardCharsets.UTF_8), true);
    RootContext root = host.onVm(() -> vm.createRootContext(allowing, new ContextHost() {}));
    StreamHost stream = request("/deny", "mallory");

    FilterHeadersStatus status = host.onVm(() -> root.newHttpContext(stream).onRequestHeaders(5, true));

    assertThat(status).isEqualTo(FilterHeadersStatus.STOP_ITERATION);
    assertThat(stream.localResponses).extracting(LocalResponse::statusCode).containsExactly(403);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void metricsCountRequestsAndRecordHeaderCounts(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.WARN));
    RootContext root = root(runtime, host, "vm-as-metrics", CONFIG);

    int[] headerCounts = {5, 7, 9};
    for (int count : headerCounts) {
      StreamHost stream = request("/m", "alice");
      host.onVm(() -> {
        HttpContext http = root.newHttpContext(stream);
        http.onRequestHeaders(count, true);
        http.close();
        return null;
      });
    }

    MetricValue requests = metric(runtime, "as_headers.requests");
    assertThat(requests.type()).isEqualTo(MetricType.COUNTER);
    assertThat(requests.value()).isEqualTo(3);
    MetricValue headers = metric(runtime, "as_headers.header_count");
    assertThat(headers.type()).isEqualTo(MetricType.HISTOGRAM);
    assertThat(headers.count()).isEqualTo(3);
    assertThat(headers.sum()).isEqualTo(5 + 7 + 9);
    assertThat(headers.max()).isBetween(9L, 10L);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void sharedDataIsSharedByVmsWithTheSameVmIdOnly(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost worker1 = track(new LoopbackVmHost(LogLevel.WARN));
    LoopbackVmHost worker2 = track(new LoopbackVmHost(LogLevel.WARN));
    LoopbackVmHost other = track(new LoopbackVmHost(LogLevel.WARN));
    RootContext first = root(runtime, worker1, "vm-shared", CONFIG);
    RootContext second = root(runtime, worker2, "vm-shared", CONFIG);
    RootContext isolated = root(runtime, other, "vm-elsewhere", CONFIG);

    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      LoopbackVmHost host = i % 2 == 0 ? worker1 : worker2;
      RootContext root = i % 2 == 0 ? first : second;
      StreamHost stream = request("/s", "alice");
      host.onVm(() -> root.newHttpContext(stream).onRequestHeaders(5, true));
      seen.add(stream.map(MapType.HTTP_REQUEST_HEADERS).get("x-as-seen"));
    }
    StreamHost elsewhere = request("/s", "alice");
    other.onVm(() -> isolated.newHttpContext(elsewhere).onRequestHeaders(5, true));

    assertThat(seen).containsExactly("1", "2", "3", "4");
    assertThat(sharedText(runtime.sharedData(), "vm-shared", "as_headers.seen")).isEqualTo("4");
    assertThat(elsewhere.map(MapType.HTTP_REQUEST_HEADERS).get("x-as-seen")).isEqualTo("1");
    assertThat(sharedText(runtime.sharedData(), "vm-elsewhere", "as_headers.seen")).isEqualTo("1");
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void ticksRunOnTheVmThreadAndUpdateGaugeAndSharedData(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.WARN));
    root(runtime, host, "vm-as-tick", CONFIG + "tick_ms=20\n");

    long deadline = System.nanoTime() + 10_000_000_000L;
    String ticks = null;
    while (System.nanoTime() < deadline) {
      ticks = sharedText(runtime.sharedData(), "vm-as-tick", "as_headers.ticks");
      if (ticks != null && Integer.parseInt(ticks) >= 3) {
        break;
      }
      Thread.sleep(20);
    }
    assertThat(ticks).as("shared key written by on_tick").isNotNull();
    assertThat(Integer.parseInt(ticks)).isGreaterThanOrEqualTo(3);
    long gauge = host.onVm(() -> metric(runtime, "as_headers.ticks").value());
    assertThat(gauge).isGreaterThanOrEqualTo(3);
  }

  // Envoy registers a plugin's http call on the root context (cpp-host exports.cc http_call: root_context()) and
  // calls proxy_on_http_call_response(root_context_id, ...); the SDK looks the token up there.
  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void httpCallToALoopbackServiceResumesTheRequestWithItsAnswer(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    AuthServer auth = track(new AuthServer());
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.WARN)).upstream("auth", auth.uri());
    RootContext root = root(runtime, host, "vm-as-http", CONFIG);

    StreamHost allowed = request("/auth/orders", "alice");
    HttpContext http = host.onVm(() -> root.newHttpContext(allowed));
    assertThat(host.onVm(() -> http.onRequestHeaders(5, true))).isNotEqualTo(FilterHeadersStatus.CONTINUE);
    host.await(() -> !allowed.continued.isEmpty() || !allowed.localResponses.isEmpty());
    assertThat(allowed.continued).containsExactly(StreamType.HTTP_REQUEST);
    assertThat(allowed.localResponses).isEmpty();
    assertThat(host.onVm(() -> allowed.map(MapType.HTTP_REQUEST_HEADERS).get("x-auth-result"))).isEqualTo("ok:alice");
    assertThat(auth.served).containsExactly("GET /check?user=alice");

    StreamHost refused = request("/auth/orders", "bob");
    host.onVm(() -> root.newHttpContext(refused).onRequestHeaders(5, true));
    host.await(() -> !refused.continued.isEmpty() || !refused.localResponses.isEmpty());
    assertThat(refused.continued).isEmpty();
    assertThat(refused.localResponses).hasSize(1);
    assertThat(refused.localResponses.get(0).statusCode()).isEqualTo(401);
    assertThat(new String(refused.localResponses.get(0).body(), StandardCharsets.UTF_8)).isEqualTo("auth said 403");
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void httpCallToAnUnknownUpstreamIsRefusedAtOnce(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.WARN));
    RootContext root = root(runtime, host, "vm-as-nowhere", "stamp=blue\nauth_cluster=nowhere\n");

    StreamHost stream = request("/auth/x", "alice");
    host.onVm(() -> root.newHttpContext(stream).onRequestHeaders(5, true));

    assertThat(stream.localResponses).hasSize(1);
    assertThat(stream.localResponses.get(0).statusCode()).isEqualTo(503);
    assertThat(stream.continued).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void configurationWithoutStampIsRejected(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.WARN));
    PluginModule module = runtime.load(Plugins.bytes("assemblyscript", "as_headers"));

    assertThatThrownBy(() -> runtime.canary(module, VmConfig.of("vm-as-bad"), plugin("tick_ms=5\n")))
        .isInstanceOfSatisfying(WasmException.class, e -> assertThat(e.failState()).isEqualTo(FailState.CONFIGURE_FAILED));
    WasmVm vm = track(host.onVm(() -> runtime.startVm(module, VmConfig.of("vm-as-bad"), host)));
    assertThatThrownBy(() -> host.onVm(() -> vm.createRootContext(plugin("tick_ms=5\n"), new ContextHost() {})))
        .isInstanceOfSatisfying(WasmException.class, e -> assertThat(e.failState()).isEqualTo(FailState.CONFIGURE_FAILED));
    assertThat(host.messages(LogLevel.ERROR)).contains("as_headers: configuration has no stamp=");
  }

  /**
   * The SDK's default configure path, then many streams in one VM, interleaved (as one worker serves concurrent
   * requests) and in sequence. Regression: the plugin once passed {@code cond ? "none" : configuration} as a call
   * argument, which assemblyscript 0.14.13 compiles to one __release too many per call; the first stream worked, the
   * second aborted in ~lib/rt/pure.ts(112:14) (retain of the freed configuration string) -> proc_exit(255).
   */
  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void sdkDefaultConfigurePathDeliversTheConfigurationToManyStreamsInOneVm(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.WARN));
    PluginModule module = runtime.load(Plugins.bytes("assemblyscript", "as_config_echo"));
    WasmVm vm = track(host.onVm(() -> runtime.startVm(module, VmConfig.of("vm-echo"), host)));
    PluginConfig config = PluginConfig.of("echo", "as_config_echo", "greeting=hi".getBytes(StandardCharsets.UTF_8));
    RootContext root = host.onVm(() -> vm.createRootContext(config, new ContextHost() {}));

    for (int round = 0; round < 3; round++) {
      List<StreamHost> streams = new ArrayList<>();
      List<HttpContext> contexts = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        StreamHost stream = request("/" + i, "u" + i);
        streams.add(stream);
        contexts.add(host.onVm(() -> root.newHttpContext(stream)));
      }
      for (int i = contexts.size() - 1; i >= 0; i--) { // responses in another order than the requests
        HttpContext http = contexts.get(i);
        assertThat(host.onVm(() -> http.onResponseHeaders(3, true))).isEqualTo(FilterHeadersStatus.CONTINUE);
        host.onVm(() -> {
          http.onLog();
          http.close();
          return null;
        });
      }
      for (StreamHost stream : streams) {
        assertThat(stream.map(MapType.HTTP_RESPONSE_HEADERS).get("x-config")).as("round %d", round).isEqualTo("greeting=hi");
      }
    }
    assertThat(host.messages(LogLevel.ERROR)).isEmpty();
  }
}

package io.wasmplane.wasm.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.wasm.AbiVersion;
import io.wasmplane.wasm.BufferType;
import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.FailState;
import io.wasmplane.wasm.FilterDataStatus;
import io.wasmplane.wasm.FilterHeadersStatus;
import io.wasmplane.wasm.HttpContext;
import io.wasmplane.wasm.LogLevel;
import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.MetricType;
import io.wasmplane.wasm.MetricValue;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.PluginModule;
import io.wasmplane.wasm.RootContext;
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
 * The C plugin c_headers (clang wasm32-wasi reactor + wasi-libc + plugins/c/sdk/proxy_wasm.h, ABI 0.2.1), built
 * from source by plugins/c/build.sh, through the runtime's public API in both execution modes: header rewriting,
 * body buffering and rewriting, local replies, metrics and WASI stdout/stderr logging.
 */
class CPluginTest extends ResourceTrackingTest {
  private static PluginConfig plugin(String stamp) {
    return PluginConfig.of("c-plugin", "", stamp.getBytes(StandardCharsets.UTF_8));
  }

  private RootContext root(WasmRuntime runtime, LoopbackVmHost host, String stamp) throws Exception {
    PluginModule module = runtime.load(Plugins.bytes("c", "c_headers"));
    assertThat(module.abiVersion()).isEqualTo(AbiVersion.V0_2_1);
    VmConfig vmConfig = VmConfig.of("vm-c", "vm-config".getBytes(StandardCharsets.UTF_8));
    WasmVm vm = track(host.onVm(() -> runtime.startVm(module, vmConfig, host)));
    return host.onVm(() -> vm.createRootContext(plugin(stamp), new ContextHost() {}));
  }

  private static StreamHost stream(String path) {
    return new StreamHost()
        .requestHeaders(ListHeaders.of(":method", "POST", ":path", path, ":authority", "api.local",
            "user-agent", "curl/8", "x-strip-me", "1", "content-type", "text/plain"))
        .responseHeaders(ListHeaders.of(":status", "200", "server", "upstream/1.0"))
        .requestBody(BytesBuffer.of(""))
        .responseBody(BytesBuffer.of(""));
  }

  private static MetricValue metric(WasmRuntime runtime, String name) {
    return runtime.metrics().snapshot().stream()
        .filter(m -> m.name().equals(name) || m.name().endsWith("." + name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no metric " + name + " in " + runtime.metrics().snapshot()));
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void requestHeadersAreAddedRemovedAndReplaced(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.INFO));
    RootContext root = root(runtime, host, "green");
    StreamHost stream = stream("/orders");

    HttpContext http = host.onVm(() -> root.newHttpContext(stream));
    assertThat(host.onVm(() -> http.onRequestHeaders(6, false))).isEqualTo(FilterHeadersStatus.CONTINUE);

    ListHeaders req = stream.map(MapType.HTTP_REQUEST_HEADERS);
    assertThat(req.get("x-c-route")).isEqualTo("POST /orders");
    assertThat(req.get("x-c-header-count")).as("pairs the plugin decoded").isEqualTo("6");
    assertThat(req.get("x-strip-me")).isNull();
    assertThat(req.all("user-agent")).containsExactly("c_headers");
    assertThat(req.get("content-type")).isEqualTo("text/plain");
    assertThat(metric(runtime, "c_headers.requests").value()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void requestBodyIsBufferedUntilEndOfStreamThenRewritten(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.INFO));
    RootContext root = root(runtime, host, "green");
    StreamHost stream = stream("/upload");
    BytesBuffer body = stream.body(BufferType.HTTP_REQUEST_BODY);

    HttpContext http = host.onVm(() -> root.newHttpContext(stream));
    host.onVm(() -> http.onRequestHeaders(6, false));
    body.append("hello ".getBytes(StandardCharsets.UTF_8));
    assertThat(host.onVm(() -> http.onRequestBody(body.length(), false)))
        .isEqualTo(FilterDataStatus.STOP_ITERATION_AND_BUFFER);
    assertThat(body.text()).as("untouched while buffering").isEqualTo("hello ");
    body.append("wasm world".getBytes(StandardCharsets.UTF_8));
    assertThat(host.onVm(() -> http.onRequestBody(body.length(), true))).isEqualTo(FilterDataStatus.CONTINUE);
    assertThat(body.text()).isEqualTo("green:HELLO WASM WORLD");

    assertThat(host.onVm(() -> http.onResponseHeaders(2, false))).isEqualTo(FilterHeadersStatus.CONTINUE);
    ListHeaders resp = stream.map(MapType.HTTP_RESPONSE_HEADERS);
    assertThat(resp.get("x-c-stamp")).isEqualTo("green");
    assertThat(resp.get("x-c-request-body-bytes")).isEqualTo("16");
    assertThat(resp.all("server")).containsExactly("wasmplane-c");

    MetricValue sizes = metric(runtime, "c_headers.request_body_bytes");
    assertThat(sizes.type()).isEqualTo(MetricType.HISTOGRAM);
    assertThat(sizes.count()).isEqualTo(1);
    assertThat(sizes.sum()).isEqualTo(16);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void responseBodyGetsATrailerAppendedAtEndOfStream(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.INFO));
    RootContext root = root(runtime, host, "green");
    StreamHost stream = stream("/download");
    BytesBuffer body = stream.body(BufferType.HTTP_RESPONSE_BODY);

    HttpContext http = host.onVm(() -> root.newHttpContext(stream));
    body.append("part one;".getBytes(StandardCharsets.UTF_8));
    assertThat(host.onVm(() -> http.onResponseBody(body.length(), false))).isEqualTo(FilterDataStatus.CONTINUE);
    assertThat(body.text()).isEqualTo("part one;");
    assertThat(host.onVm(() -> http.onResponseBody(body.length(), true))).isEqualTo(FilterDataStatus.CONTINUE);
    assertThat(body.text()).isEqualTo("part one;\n-- c_headers");
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void teapotPathIsAnsweredLocally(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.INFO));
    RootContext root = root(runtime, host, "green");
    StreamHost stream = stream("/c/local");

    HttpContext http = host.onVm(() -> root.newHttpContext(stream));
    assertThat(host.onVm(() -> http.onRequestHeaders(6, true))).isNotEqualTo(FilterHeadersStatus.CONTINUE);

    assertThat(stream.localResponses).hasSize(1);
    LocalResponse reply = stream.localResponses.get(0);
    assertThat(reply.statusCode()).isEqualTo(418);
    assertThat(reply.details()).isEqualTo("c_headers_teapot");
    assertThat(new String(reply.body(), StandardCharsets.UTF_8)).isEqualTo("short and stout");
    assertThat(reply.headers()).containsExactly(Map.entry("x-c-local", "yes"));
    assertThat(reply.grpcStatus()).isEqualTo(-1);
    assertThat(stream.map(MapType.HTTP_REQUEST_HEADERS).get("x-c-route")).isNull();
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void httpCallAnswerResumesThePausedRequest(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    AuthServer auth = track(new AuthServer());
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.INFO)).upstream("auth", auth.uri());
    RootContext root = root(runtime, host, "green");

    List<String> results = new ArrayList<>();
    for (String user : List.of("alice", "bob")) {
      StreamHost stream = stream("/c/call/orders");
      stream.map(MapType.HTTP_REQUEST_HEADERS).add("x-user", user);
      HttpContext http = host.onVm(() -> root.newHttpContext(stream));
      assertThat(host.onVm(() -> http.onRequestHeaders(7, true))).isNotEqualTo(FilterHeadersStatus.CONTINUE);
      host.await(() -> !stream.continued.isEmpty());
      assertThat(stream.continued).containsExactly(StreamType.HTTP_REQUEST);
      assertThat(stream.localResponses).isEmpty();
      results.add(host.onVm(() -> stream.map(MapType.HTTP_REQUEST_HEADERS).get("x-c-call")));
      assertThat(stream.map(MapType.HTTP_REQUEST_HEADERS).get("x-c-call-to-root"))
          .as("Envoy calls proxy_on_http_call_response on the root context").isEqualTo("yes");
    }

    assertThat(results).containsExactly("200 ok:alice", "403 no");
    assertThat(auth.served).containsExactly("GET /check?user=alice", "GET /check?user=bob");
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void httpCallToAnUnknownUpstreamIsAnsweredLocally(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.INFO)); // no "auth" upstream
    RootContext root = root(runtime, host, "green");
    StreamHost stream = stream("/c/call");

    host.onVm(() -> root.newHttpContext(stream).onRequestHeaders(6, true));

    assertThat(stream.localResponses).extracting(LocalResponse::statusCode).containsExactly(503);
    assertThat(stream.continued).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void printfAndStderrReachTheLogThroughWasi(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.INFO));
    RootContext root = root(runtime, host, "green");
    StreamHost stream = stream("/logged");

    HttpContext http = host.onVm(() -> root.newHttpContext(stream));
    host.onVm(() -> {
      http.onRequestHeaders(6, true);
      http.onResponseHeaders(2, true);
      http.onLog();
      http.close();
      return null;
    });

    assertThat(String.join("\n", host.messages(LogLevel.ERROR)))
        .as("fprintf(stderr) in proxy_on_vm_start")
        .contains("c_headers: vm start, 9 bytes of vm configuration");
    assertThat(String.join("\n", host.messages(LogLevel.INFO)))
        .as("printf(stdout) in proxy_on_log")
        .contains("c_headers access: /logged 200");
    assertThat(host.messages(LogLevel.INFO)).contains("c_headers: context " + http.id() + " done");
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void emptyConfigurationIsRejected(ExecutionMode mode) throws Exception {
    WasmRuntime runtime = runtime(mode);
    LoopbackVmHost host = track(new LoopbackVmHost(LogLevel.INFO));
    PluginModule module = runtime.load(Plugins.bytes("c", "c_headers"));
    WasmVm vm = track(host.onVm(() -> runtime.startVm(module, VmConfig.of("vm-c-bad"), host)));

    assertThatThrownBy(() -> host.onVm(() -> vm.createRootContext(plugin(""), new ContextHost() {})))
        .isInstanceOfSatisfying(WasmException.class, e -> assertThat(e.failState()).isEqualTo(FailState.CONFIGURE_FAILED));
    assertThat(host.messages(LogLevel.ERROR)).contains("c_headers: the configuration must be the stamp text, got nothing");
  }
}

package io.wasmplane.wasm.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.wasm.BufferType;
import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.FailState;
import io.wasmplane.wasm.HttpContext;
import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.NetworkContext;
import io.wasmplane.wasm.PeerType;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.PluginFailureException;
import io.wasmplane.wasm.PluginFailureException.Kind;
import io.wasmplane.wasm.RootContext;
import io.wasmplane.wasm.RuntimeOptions;
import io.wasmplane.wasm.Status;
import io.wasmplane.wasm.VmConfig;
import io.wasmplane.wasm.WasmException;
import io.wasmplane.wasm.WasmRuntime;
import io.wasmplane.wasm.WasmVm;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile plugins of plugins/wat/hostile, each in both execution modes (docs/hostile-plugins.md lists them): a
 * fault in every callback kind fails the VM with the right kind, names the plugin and the callback, is reported once
 * to the embedder ({@code VmHost.vmFailed}), leaves the VM thread un-interrupted, and the thread goes on serving
 * another VM. Out-of-bounds pointers, floods and broken allocators get statuses, not failures.
 */
@Timeout(60)
class HostilePluginMatrixTest {
  /** Short, so the loops of the matrix cost little; set as an embedder sets it. */
  private static final Duration TIMEOUT = Duration.ofMillis(150);
  private static final int PAGES = 32;
  /** The floods copy megabytes: they test the bounds, not the watchdog (and must pass on a loaded machine). */
  private static final Duration FLOOD_TIMEOUT = Duration.ofSeconds(10);

  /** One runtime with a hostile plugin "hostile" (vm_id "hostile_vm") and its root context, on a test VM thread. */
  private static final class Hostile implements AutoCloseable {
    final WasmRuntime rt;
    final TestHosts.Vm host = new TestHosts.Vm();
    final WasmVm vm;
    RootContext root;

    Hostile(ExecutionMode mode, String plugin, String vmConfiguration) throws Exception {
      this(mode, plugin, vmConfiguration, TIMEOUT);
    }

    Hostile(ExecutionMode mode, String plugin, String vmConfiguration, Duration timeout) throws Exception {
      rt = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode).withCallTimeout(timeout)
          .withMaxMemoryPages(PAGES));
      vm = host.onVm(() -> rt.startVm(TestPlugins.module(plugin, mode),
          VmConfig.of("hostile_vm", vmConfiguration.getBytes(StandardCharsets.UTF_8)), host));
    }

    static Hostile configured(ExecutionMode mode, String plugin, String configuration) throws Exception {
      return configured(mode, plugin, configuration, TIMEOUT);
    }

    static Hostile configured(ExecutionMode mode, String plugin, String configuration, Duration timeout)
        throws Exception {
      Hostile h = new Hostile(mode, plugin, "", timeout);
      h.root = h.createRoot(configuration);
      return h;
    }

    RootContext createRoot(String configuration) throws Exception {
      return host.onVm(() -> vm.createRootContext(
          PluginConfig.of("hostile", "hostile_root", configuration.getBytes(StandardCharsets.UTF_8)),
          new TestHosts.Context()));
    }

    /** A stream with request headers (x-a: va), a 4-byte request body and response headers. */
    HttpContext stream() throws Exception {
      TestHosts.Context s = new TestHosts.Context();
      s.maps.put(MapType.HTTP_REQUEST_HEADERS, TestHosts.ListMap.of(":path", "/", "x-a", "va"));
      s.maps.put(MapType.HTTP_RESPONSE_HEADERS, TestHosts.ListMap.of(":status", "200"));
      s.buffers.put(BufferType.HTTP_REQUEST_BODY, new TestHosts.Bytes("body"));
      return host.onVm(() -> root.newHttpContext(s));
    }

    NetworkContext connection() throws Exception {
      TestHosts.Context c = new TestHosts.Context();
      c.buffers.put(BufferType.DOWNSTREAM_DATA, new TestHosts.Bytes("ping"));
      c.buffers.put(BufferType.UPSTREAM_DATA, new TestHosts.Bytes("pong"));
      return host.onVm(() -> root.newNetworkContext(c));
    }

    /** Runs a callback that must fail on the VM's thread; checks the interrupt flag is clear after it. */
    PluginFailureException fails(TestHosts.ThrowingRunnable callback) throws Exception {
      return host.onVm(() -> {
        try {
          callback.run();
        } catch (PluginFailureException e) {
          assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag after the call").isFalse();
          return e;
        }
        throw new AssertionError("the callback did not fail");
      });
    }

    /** The failure reported to the embedder (waits for callbacks the runtime runs later: ticks, responses). */
    PluginFailureException reported() throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (host.failures.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(host.failures).as("failures reported to the embedder").hasSize(1);
      return host.failures.get(0);
    }

    @Override
    public void close() {
      try {
        host.onVm(vm::close);
      } catch (Exception ignored) {
        // the VM thread is going away too
      }
      host.close();
      rt.close();
    }
  }

  /** How the test makes the host call one callback kind of hostile_callbacks. */
  @FunctionalInterface
  private interface Drive {
    void run(Hostile h) throws Exception;
  }

  private static Arguments cb(String letter, String callback, Drive drive) {
    return Arguments.of(letter, callback, drive);
  }

  /** Every callback kind of hostile_callbacks, how to reach it, and the name the failure must carry. */
  static Stream<Arguments> callbacks() {
    List<Arguments> kinds = List.of(
        cb("x", "proxy_on_context_create", Hostile::stream),
        cb("h", "proxy_on_request_headers", h -> { var s = h.stream(); h.host.onVm(() -> s.onRequestHeaders(2, false)); }),
        cb("b", "proxy_on_request_body", h -> { var s = h.stream(); h.host.onVm(() -> s.onRequestBody(4, true)); }),
        cb("t", "proxy_on_request_trailers", h -> { var s = h.stream(); h.host.onVm(() -> s.onRequestTrailers(0)); }),
        cb("H", "proxy_on_response_headers", h -> { var s = h.stream(); h.host.onVm(() -> s.onResponseHeaders(1, false)); }),
        cb("B", "proxy_on_response_body", h -> { var s = h.stream(); h.host.onVm(() -> s.onResponseBody(4, true)); }),
        cb("T", "proxy_on_response_trailers", h -> { var s = h.stream(); h.host.onVm(() -> s.onResponseTrailers(0)); }),
        cb("L", "proxy_on_log", h -> { var s = h.stream(); h.host.onVm(s::onLog); }),
        cb("d", "proxy_on_done", h -> { var s = h.stream(); h.host.onVm(s::close); }),
        cb("D", "proxy_on_delete", h -> { var s = h.stream(); h.host.onVm(s::close); }),
        cb("n", "proxy_on_new_connection", h -> { var c = h.connection(); h.host.onVm(c::onNewConnection); }),
        cb("s", "proxy_on_downstream_data", h -> { var c = h.connection(); h.host.onVm(() -> c.onDownstreamData(4, false)); }),
        cb("S", "proxy_on_upstream_data", h -> { var c = h.connection(); h.host.onVm(() -> c.onUpstreamData(4, false)); }),
        cb("z", "proxy_on_downstream_connection_close",
            h -> { var c = h.connection(); h.host.onVm(() -> c.onDownstreamConnectionClose(PeerType.REMOTE)); }),
        cb("Z", "proxy_on_upstream_connection_close",
            h -> { var c = h.connection(); h.host.onVm(() -> c.onUpstreamConnectionClose(PeerType.REMOTE)); }),
        cb("f", "proxy_on_foreign_function", h -> h.host.onVm(() -> h.root.onForeignFunction(1, new byte[] {1}))),
        cb("w", "envoy_on_stats_update", h -> h.host.onVm(() -> h.root.onStatsUpdate(new byte[8]))),
        cb("a", "malloc", h -> { var s = h.stream(); h.host.onVm(() -> s.onRequestHeaders(2, false)); }),
        // callbacks the runtime runs later, on the VM's thread: only the embedder hook sees them fail
        cb("k", "proxy_on_tick", h -> { }),
        cb("q", "proxy_on_queue_ready", h -> {
          int id = h.rt.sharedQueues().resolve("hostile_vm", "hostile").orElseThrow();
          h.rt.sharedQueues().enqueue(id, new byte[] {1});
        }),
        cb("r", "proxy_on_http_call_response", h -> { var s = h.stream(); h.host.onVm(() -> s.onRequestHeaders(2, false)); }),
        cb("m", "proxy_on_grpc_receive_initial_metadata",
            h -> { var s = h.stream(); h.host.onVm(() -> s.onRequestHeaders(2, false)); }),
        cb("M", "proxy_on_grpc_receive", h -> { var s = h.stream(); h.host.onVm(() -> s.onRequestHeaders(2, false)); }),
        cb("e", "proxy_on_grpc_receive_trailing_metadata",
            h -> { var s = h.stream(); h.host.onVm(() -> s.onRequestHeaders(2, false)); }),
        cb("E", "proxy_on_grpc_close", h -> { var s = h.stream(); h.host.onVm(() -> s.onRequestHeaders(2, false)); }));
    return Stream.of(ExecutionMode.values())
        .flatMap(mode -> kinds.stream().map(k -> Arguments.of(mode, k.get()[0], k.get()[1], k.get()[2])));
  }

  @ParameterizedTest(name = "{0} trap in {2}")
  @MethodSource("callbacks")
  void aTrapInEveryCallbackKindFailsOnlyItsVm(ExecutionMode mode, String letter, String callback, Drive drive)
      throws Exception {
    try (Hostile h = Hostile.configured(mode, "hostile_callbacks", letter + "u")) {
      try {
        drive.run(h);
      } catch (PluginFailureException thrown) {
        assertThat(thrown.callback()).isEqualTo(callback);
      }
      PluginFailureException e = h.reported();
      assertThat(e.kind()).isEqualTo(Kind.TRAP);
      assertThat(e.pluginName()).isEqualTo("hostile");
      assertThat(e.callback()).isEqualTo(callback);
      assertThat(e.getMessage()).contains("plugin 'hostile' failed in " + callback);
      assertThat(h.vm.failState()).isEqualTo(FailState.RUNTIME_ERROR);
      assertServingGoesOn(h, mode);
    }
  }

  @ParameterizedTest(name = "{0} fault {1} in proxy_on_request_headers")
  @CsvSource({
      "COMPILED,u,TRAP", "INTERPRETED,u,TRAP",
      "COMPILED,l,TIMEOUT", "INTERPRETED,l,TIMEOUT",
      "COMPILED,g,MEMORY_LIMIT", "INTERPRETED,g,MEMORY_LIMIT",
      "COMPILED,x,PROC_EXIT", "INTERPRETED,x,PROC_EXIT",
      "COMPILED,r,STACK_EXHAUSTED", "INTERPRETED,r,STACK_EXHAUSTED",
      "COMPILED,o,TRAP", "INTERPRETED,o,TRAP"})
  void everyFaultKindIsContained(ExecutionMode mode, String fault, Kind kind) throws Exception {
    try (Hostile h = Hostile.configured(mode, "hostile_callbacks", "h" + fault)) {
      HttpContext s = h.stream();
      long start = System.nanoTime();
      PluginFailureException e = h.fails(() -> s.onRequestHeaders(2, false));
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(e.kind()).isEqualTo(kind);
      assertThat(e.callback()).isEqualTo("proxy_on_request_headers");
      assertThat(h.reported()).isSameAs(e);
      if (kind == Kind.TIMEOUT) {
        assertThat(tookMs).isGreaterThanOrEqualTo(TIMEOUT.toMillis()).isLessThan(5_000);
      }
      if (kind == Kind.MEMORY_LIMIT) { // grown to the page limit, never past it
        assertThat(h.vm.memorySizeBytes()).isEqualTo(PAGES * 65536L);
      }
      assertThat(h.vm.failState()).isEqualTo(FailState.RUNTIME_ERROR);
      // a later callback of the failed VM runs no plugin code
      h.host.drainLogs();
      assertThatThrownBy(() -> h.host.onVm(() -> s.onRequestBody(1, true)))
          .isInstanceOfSatisfying(PluginFailureException.class, x -> assertThat(x.kind()).isEqualTo(Kind.VM_FAILED));
      assertServingGoesOn(h, mode);
    }
  }

  @ParameterizedTest(name = "{0} fault {1} in proxy_on_tick")
  @CsvSource({"COMPILED,l,TIMEOUT", "INTERPRETED,l,TIMEOUT", "COMPILED,g,MEMORY_LIMIT", "INTERPRETED,g,MEMORY_LIMIT"})
  void aRunawayTimerCallbackIsStoppedToo(ExecutionMode mode, String fault, Kind kind) throws Exception {
    try (Hostile h = Hostile.configured(mode, "hostile_callbacks", "k" + fault)) {
      PluginFailureException e = h.reported();
      assertThat(e.kind()).isEqualTo(kind);
      assertThat(e.callback()).isEqualTo("proxy_on_tick");
      assertThat(h.vm.failState()).isEqualTo(FailState.RUNTIME_ERROR);
      assertServingGoesOn(h, mode);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aTrapInOnVmStartOrOnConfigureRefusesThePluginBeforeTraffic(ExecutionMode mode) throws Exception {
    try (Hostile h = new Hostile(mode, "hostile_callbacks", "vu")) {
      assertThatThrownBy(() -> h.createRoot(""))
          .isInstanceOfSatisfying(WasmException.class, e -> assertThat(e.failState()).isEqualTo(FailState.START_FAILED))
          .hasMessageContaining("plugin 'hostile'").hasMessageContaining("proxy_on_vm_start");
    }
    try (Hostile h = new Hostile(mode, "hostile_callbacks", "")) {
      assertThatThrownBy(() -> h.createRoot("cu"))
          .isInstanceOfSatisfying(WasmException.class,
              e -> assertThat(e.failState()).isEqualTo(FailState.CONFIGURE_FAILED))
          .hasMessageContaining("plugin 'hostile'").hasMessageContaining("proxy_on_configure");
    }
  }

  /** The order of hostile_oob's calls (its header comment), and the functions that take no pointer. */
  private static final List<String> OOB_CALLS = List.of("proxy_log", "proxy_get_log_level",
      "proxy_get_current_time_nanoseconds", "proxy_get_buffer_bytes", "proxy_set_buffer_bytes",
      "proxy_get_buffer_status", "proxy_get_configuration", "proxy_get_header_map_value",
      "proxy_add_header_map_value", "proxy_replace_header_map_value", "proxy_remove_header_map_value",
      "proxy_get_header_map_pairs", "proxy_set_header_map_pairs", "proxy_get_header_map_size", "proxy_get_property",
      "proxy_set_property", "proxy_get_shared_data", "proxy_set_shared_data", "proxy_register_shared_queue",
      "proxy_resolve_shared_queue", "proxy_enqueue_shared_queue", "proxy_dequeue_shared_queue",
      "proxy_define_metric", "proxy_get_metric", "proxy_http_call", "proxy_grpc_call", "proxy_grpc_stream",
      "proxy_grpc_send", "proxy_send_local_response", "proxy_get_status", "proxy_set_active_span_tag",
      "proxy_call_foreign_function", "envoy_resolve_dns");
  private static final List<String> NO_POINTERS = List.of("proxy_set_effective_context", "proxy_done",
      "proxy_increment_metric", "proxy_record_metric", "proxy_grpc_cancel", "proxy_grpc_close",
      "proxy_continue_stream", "proxy_close_stream", "proxy_continue_request", "proxy_continue_response",
      "proxy_clear_route_cache", "proxy_set_tick_period_milliseconds", "emscripten_notify_memory_growth",
      "pthread_equal");

  @ParameterizedTest(name = "{0} bad pointers {1}")
  @CsvSource({"COMPILED,1", "INTERPRETED,1", "COMPILED,2", "INTERPRETED,2", "COMPILED,3", "INTERPRETED,3"})
  void outOfBoundsPointersToEveryHostFunctionGetInvalidMemoryAccess(ExecutionMode mode, String badValues)
      throws Exception {
    // hostile_oob covers every env function that takes a pointer
    List<String> env = HostFunctions.catalog().keySet().stream().filter(n -> n.startsWith("env."))
        .map(n -> n.substring(4)).toList();
    assertThat(Stream.concat(OOB_CALLS.stream(), NO_POINTERS.stream()).toList()).containsExactlyInAnyOrderElementsOf(env);
    try (Hostile h = Hostile.configured(mode, "hostile_oob", badValues)) {
      HttpContext s = h.stream();
      h.host.drainLogs();
      h.host.onVm(() -> s.onRequestHeaders(2, false));
      List<String> log = h.host.drainLogs();
      assertThat(log).hasSize(1);
      String statuses = log.get(0);
      assertThat(statuses).hasSize(OOB_CALLS.size());
      StringBuilder wrong = new StringBuilder();
      for (int i = 0; i < OOB_CALLS.size(); i++) {
        int status = statuses.charAt(i) - '0';
        int expected = OOB_CALLS.get(i).equals("envoy_resolve_dns")
            ? Status.UNIMPLEMENTED.code() // a stub here: it reads no memory at all
            : Status.INVALID_MEMORY_ACCESS.code();
        if (status != expected) {
          wrong.append(OOB_CALLS.get(i)).append('=').append(status).append(' ');
        }
      }
      assertThat(wrong.toString()).as("calls not answering INVALID_MEMORY_ACCESS").isEmpty();
      assertThat(h.vm.failState()).isEqualTo(FailState.OK);
      assertThat(h.host.failures).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0} flood {1}")
  @CsvSource(delimiter = '|', value = {
      // proxy_log of 1 MiB: OK, cut to 64 KiB
      "COMPILED|l|1 0", "INTERPRETED|l|1 0",
      // 1 MiB appends to a 4-byte body: 15 fit in 16 MiB, the 16th and later get BAD_ARGUMENT
      "COMPILED|b|15 2", "INTERPRETED|b|15 2",
      // 16384 empty headers: 32 bytes each by the header-list measure, 512 KiB, all fit
      "COMPILED|e|16384 0", "INTERPRETED|e|16384 0",
      // 1 MiB + 1 byte of shared data: over the value limit; then 1 MiB values: 63 fit in the 64 MiB per vm_id
      "COMPILED|s|0 2,63 10", "INTERPRETED|s|0 2,63 10",
      // 1 MiB items into one shared queue: 64 fit in its 64 MiB; 2000 queue names: 1024 per vm_id
      "COMPILED|q|64 10", "INTERPRETED|q|64 10", "COMPILED|Q|1024 10", "INTERPRETED|Q|1024 10"})
  void floodsAreBoundedAndAnsweredWithAStatus(ExecutionMode mode, String flood, String reported) throws Exception {
    try (Hostile h = Hostile.configured(mode, "hostile_huge", flood, FLOOD_TIMEOUT)) {
      TestHosts.Context s = new TestHosts.Context();
      s.maps.put(MapType.HTTP_REQUEST_HEADERS, TestHosts.ListMap.of(":path", "/"));
      TestHosts.Bytes body = new TestHosts.Bytes("body");
      s.buffers.put(BufferType.HTTP_REQUEST_BODY, body);
      HttpContext http = h.host.onVm(() -> h.root.newHttpContext(s));
      h.host.drainLogs();
      h.host.onVm(() -> http.onRequestHeaders(1, false));
      List<String> log = h.host.drainLogs();
      assertThat(log.subList(log.size() - reported.split(",").length, log.size()))
          .containsExactly(reported.split(","));
      switch (flood) {
        case "l" -> assertThat(log.get(0)).hasSize(HostLimits.MAX_LOG_MESSAGE_BYTES);
        case "b" -> assertThat(body.data.length).isEqualTo(4 + 15 * 1024 * 1024);
        case "s" -> assertThat(h.rt.sharedData().keys("hostile_vm")).hasSize(63);
        default -> { }
      }
      assertThat(h.vm.failState()).isEqualTo(FailState.OK);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void hugeHeaderValuesStopAtTheHeaderMapBound(ExecutionMode mode) throws Exception {
    try (Hostile h = Hostile.configured(mode, "hostile_huge", "h", FLOOD_TIMEOUT)) {
      TestHosts.Context s = new TestHosts.Context();
      TestHosts.ListMap headers = TestHosts.ListMap.of(":path", "/");
      s.maps.put(MapType.HTTP_REQUEST_HEADERS, headers);
      HttpContext http = h.host.onVm(() -> h.root.newHttpContext(s));
      h.host.drainLogs();
      h.host.onVm(() -> http.onRequestHeaders(1, false));
      String[] report = h.host.drainLogs().get(0).split(" ");
      int ok = Integer.parseInt(report[0]);
      // the 1 MiB value and as many 1 KiB values as fit in 8 MiB (by the header-list measure), then BAD_ARGUMENT
      assertThat(report[1]).isEqualTo("2");
      long bytes = headers.entries.stream().mapToLong(e -> e.getKey().length() + e.getValue().length() + 32).sum();
      assertThat(bytes).isLessThanOrEqualTo(HostLimits.MAX_HEADER_MAP_BYTES)
          .isGreaterThan(HostLimits.MAX_HEADER_MAP_BYTES - 1100);
      assertThat(headers.entries).hasSize(1 + ok);
      assertThat(h.vm.failState()).isEqualTo(FailState.OK);
    }
  }

  @ParameterizedTest(name = "{0} allocator {1}")
  @CsvSource(delimiter = '|', value = {
      "COMPILED|z|6", "INTERPRETED|z|6", "COMPILED|g|6", "INTERPRETED|g|6",
      "COMPILED|w|6", "INTERPRETED|w|6", "COMPILED|e|6", "INTERPRETED|e|6",
      "COMPILED|l|in malloc,0,va", "INTERPRETED|l|in malloc,0,va", "COMPILED|k|0,va", "INTERPRETED|k|0,va"})
  void aBrokenAllocatorFailsOnlyTheHostCallThatNeededIt(ExecutionMode mode, String allocator, String logged)
      throws Exception {
    try (Hostile h = Hostile.configured(mode, "hostile_alloc", allocator)) {
      HttpContext s = h.stream();
      h.host.drainLogs();
      h.host.onVm(() -> s.onRequestHeaders(2, false));
      assertThat(h.host.drainLogs()).containsExactly(logged.split(","));
      assertThat(h.vm.failState()).isEqualTo(FailState.OK);
      assertThat(h.host.failures).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void anAllocatorCallingBackIntoTheHostWithoutEndFailsItsVm(ExecutionMode mode) throws Exception {
    try (Hostile h = Hostile.configured(mode, "hostile_alloc", "r")) {
      HttpContext s = h.stream();
      PluginFailureException e = h.fails(() -> s.onRequestHeaders(2, false));
      assertThat(e.kind()).isIn(Kind.STACK_EXHAUSTED, Kind.TIMEOUT);
      assertThat(e.pluginName()).isEqualTo("hostile");
      assertThat(h.reported()).isSameAs(e);
      assertThat(h.vm.failState()).isEqualTo(FailState.RUNTIME_ERROR);
      assertServingGoesOn(h, mode);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aRootThatNeverCallsProxyDoneDoesNotBlockItsRootIdOrItsVm(ExecutionMode mode) throws Exception {
    try (Hostile h = Hostile.configured(mode, "hostile_never_done", "")) {
      RootContext first = h.root;
      h.host.onVm(first::close);
      assertThat(first.isPendingDone()).isTrue();
      // cpp-host's startShutdown: the plugin's slot is free at once; the same root_id starts again on this VM
      RootContext second = h.createRoot("");
      h.root = second;
      HttpContext s = h.stream();
      h.host.drainLogs();
      h.host.onVm(() -> s.onRequestHeaders(0, false));
      assertThat(h.host.drainLogs()).containsExactly("alive");
      h.host.onVm(second::close);
      assertThat(second.isPendingDone()).isTrue();
      // closing the VM releases both without plugin code (no proxy_on_delete)
      h.host.onVm(h.vm::close);
      assertThat(h.host.drainLogs()).doesNotContain("deleted");
    }
  }

  private static void assertServingGoesOn(Hostile h, ExecutionMode mode) throws Exception {
    assertThat(h.host.onVm(() -> Thread.currentThread().isInterrupted())).isFalse();
    WasmVm fresh = h.host.onVm(() -> h.rt.startVm(TestPlugins.module("hostile_callbacks", mode),
        VmConfig.of("healthy"), h.host));
    HttpContext s = h.host.onVm(() -> fresh.createRootContext(PluginConfig.of("healthy", "", new byte[0]),
        new TestHosts.Context()).newHttpContext(new TestHosts.Context()));
    h.host.drainLogs();
    h.host.onVm(() -> s.onRequestHeaders(0, false));
    assertThat(h.host.drainLogs()).containsExactly("alive");
    h.host.onVm(fresh::close);
  }
}

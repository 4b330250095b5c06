package io.wasmplane.wasm.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.FailState;
import io.wasmplane.wasm.HttpContext;
import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.PluginFailureException;
import io.wasmplane.wasm.PluginFailureException.Kind;
import io.wasmplane.wasm.RuntimeOptions;
import io.wasmplane.wasm.VmConfig;
import io.wasmplane.wasm.WasmException;
import io.wasmplane.wasm.WasmRuntime;
import io.wasmplane.wasm.WasmVm;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A failing plugin fails its VM, never the host: traps, runaway loops (stopped by the watchdog), memory limits,
 * stack exhaustion, proc_exit, failing allocators. The VM thread stays usable and its interrupt flag clear.
 */
class ContainmentTest {
  private static final Duration TIMEOUT = Duration.ofMillis(200);

  /** A runtime with a 200 ms call timeout and a 4-page memory limit, one VM of abi_faults, one HTTP context. */
  private static final class Faulty implements AutoCloseable {
    final WasmRuntime rt;
    final TestHosts.Vm host = new TestHosts.Vm();
    final WasmVm vm;
    final HttpContext http;

    Faulty(ExecutionMode mode, String module, TestHosts.Context stream) throws Exception {
      rt = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode).withCallTimeout(TIMEOUT).withMaxMemoryPages(4));
      vm = host.onVm(() -> rt.startVm(TestPlugins.module(module, mode), VmConfig.of("f"), host));
      http = host.onVm(() -> vm.createRootContext(PluginConfig.of("faulty", "", new byte[0]), new TestHosts.Context())
          .newHttpContext(stream));
    }

    Faulty(ExecutionMode mode) throws Exception {
      this(mode, "abi_faults", new TestHosts.Context());
    }

    /** Runs the fault on the VM's thread; returns the failure and whether the thread was left interrupted. */
    PluginFailureException fail(int n) throws Exception {
      return host.onVm(() -> {
        try {
          http.onRequestHeaders(n, false);
          throw new AssertionError("scenario " + n + " did not fail");
        } catch (PluginFailureException e) {
          assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag after the call").isFalse();
          return e;
        }
      });
    }

    @Override
    public void close() {
      host.close();
      rt.close();
    }
  }

  @ParameterizedTest
  @CsvSource({
      "COMPILED,1,TRAP", "INTERPRETED,1,TRAP",
      "COMPILED,4,TRAP", "INTERPRETED,4,TRAP",
      "COMPILED,6,TRAP", "INTERPRETED,6,TRAP",
      "COMPILED,3,MEMORY_LIMIT", "INTERPRETED,3,MEMORY_LIMIT",
      "COMPILED,5,STACK_EXHAUSTED", "INTERPRETED,5,STACK_EXHAUSTED",
      "COMPILED,8,PROC_EXIT", "INTERPRETED,8,PROC_EXIT"})
  void aFaultFailsTheVmNotTheHost(ExecutionMode mode, int scenario, Kind kind) throws Exception {
    try (Faulty f = new Faulty(mode)) {
      PluginFailureException e = f.fail(scenario);
      assertThat(e.kind()).isEqualTo(kind);
      assertThat(e.pluginName()).isEqualTo("faulty");
      assertThat(e.callback()).isEqualTo("proxy_on_request_headers");
      assertThat(f.vm.failState()).isEqualTo(FailState.RUNTIME_ERROR);
      // every later callback on the VM throws at once, without running plugin code
      f.host.drainLogs();
      assertThatThrownBy(() -> f.host.onVm(() -> f.http.onRequestHeaders(7, false)))
          .isInstanceOf(PluginFailureException.class)
          .satisfies(x -> assertThat(((PluginFailureException) x).kind()).isEqualTo(Kind.VM_FAILED));
      assertThat(f.host.drainLogs()).doesNotContain("alive");
      // closing a context of a failed VM runs no plugin code and does not throw
      f.host.onVm(f.http::close);
      assertThat(f.http.isClosed()).isTrue();
      if (kind == Kind.MEMORY_LIMIT) {
        assertThat(f.vm.memorySizeBytes()).isEqualTo(4 * 65536L);
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"COMPILED,2", "INTERPRETED,2", "COMPILED,9", "INTERPRETED,9"})
  void aRunawayCallbackIsStoppedByTheWatchdog(ExecutionMode mode, int scenario) throws Exception {
    try (Faulty f = new Faulty(mode)) {
      long start = System.nanoTime();
      PluginFailureException e = f.fail(scenario);
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
      assertThat(tookMs).isGreaterThanOrEqualTo(TIMEOUT.toMillis()).isLessThan(5_000);
      assertThat(f.vm.failState()).isEqualTo(FailState.RUNTIME_ERROR);
      // the thread carries on: it runs another VM of the same runtime, untouched by the interrupt
      WasmVm fresh = f.host.onVm(() -> f.rt.startVm(TestPlugins.module("abi_faults", mode), VmConfig.of("f"), f.host));
      HttpContext h = f.host.onVm(() -> fresh.createRootContext(PluginConfig.of("again", "", new byte[0]),
          new TestHosts.Context()).newHttpContext(new TestHosts.Context()));
      f.host.drainLogs();
      f.host.onVm(() -> h.onRequestHeaders(7, false));
      assertThat(f.host.drainLogs()).containsExactly("alive");
      assertThat(f.host.onVm(() -> Thread.currentThread().isInterrupted())).isFalse();
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void callsEndingNearTheDeadlineNeverLeaveTheThreadInterrupted(ExecutionMode mode) throws Exception {
    // Calls whose length straddles the timeout: some finish, some are stopped. Whichever way, the watchdog's
    // interrupt must never outlive the call.
    try (WasmRuntime rt = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode)
            .withCallTimeout(Duration.ofMillis(2)));
        TestHosts.Vm host = new TestHosts.Vm()) {
      var module = TestPlugins.module("abi_faults", mode);
      int calls = mode == ExecutionMode.COMPILED ? 200_000 : 1_000;
      int finished = 0;
      int stopped = 0;
      for (int i = 0; i < 60; i++) {
        int hostCalls = calls / 4 + (i % 8) * calls / 8;
        boolean ok = host.onVm(() -> {
          WasmVm vm = rt.startVm(module, VmConfig.of("r"), host);
          HttpContext h = vm.createRootContext(PluginConfig.of("race", "", new byte[0]), new TestHosts.Context())
              .newHttpContext(new TestHosts.Context());
          boolean done;
          try {
            h.onRequestBody(hostCalls, false);
            done = true;
          } catch (PluginFailureException e) {
            assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
            done = false;
          }
          assertThat(Thread.currentThread().isInterrupted()).isFalse();
          vm.close();
          return done;
        });
        if (ok) {
          finished++;
        } else {
          stopped++;
        }
      }
      assertThat(finished + stopped).isEqualTo(60);
      assertThat(host.onVm(() -> Thread.currentThread().isInterrupted())).isFalse();
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void memoryGrowsWithinTheLimit(ExecutionMode mode) throws Exception {
    try (Faulty f = new Faulty(mode)) {
      f.host.onVm(() -> f.http.onRequestHeaders(10, false));
      assertThat(f.host.drainLogs()).containsExactly("1"); // memory.grow(1) from 1 page returned the old size
      assertThat(f.vm.memorySizeBytes()).isEqualTo(2 * 65536L);
      assertThat(f.vm.failState()).isEqualTo(FailState.OK);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aModuleNeedingMoreMemoryThanTheLimitDoesNotStart(ExecutionMode mode) throws Exception {
    try (WasmRuntime rt = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode).withMaxMemoryPages(2));
        TestHosts.Vm host = new TestHosts.Vm()) {
      assertThatThrownBy(() -> host.onVm(
              () -> rt.startVm(TestPlugins.module("abi_host_calls", mode), VmConfig.of("v"), host)))
          .isInstanceOf(WasmException.class)
          .hasMessageContaining("needs 4 initial memory pages, the limit is 2")
          .satisfies(e -> assertThat(((WasmException) e).failState()).isEqualTo(FailState.UNABLE_TO_CREATE_VM));
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aFailingAllocatorFailsOnlyThatHostCall(ExecutionMode mode) throws Exception {
    TestHosts.Context stream = new TestHosts.Context();
    stream.maps.put(MapType.HTTP_REQUEST_HEADERS, TestHosts.ListMap.of("x-a", "va"));
    try (Faulty f = new Faulty(mode, "abi_alloc_fail", stream)) {
      List<String> log = f.host.onVm(() -> {
        f.http.onRequestHeaders(1, false); // allocator returns 0
        f.http.onRequestHeaders(2, false); // allocator returns a block past the end of memory
        f.http.onRequestHeaders(4, false); // allocator works (proxy_on_memory_allocate, no malloc)
        return f.host.drainLogs();
      });
      assertThat(log).containsExactly("6", "6", "0", "va");
      assertThat(f.vm.failState()).isEqualTo(FailState.OK);
      PluginFailureException e = f.fail(3); // the allocator itself traps: the VM fails
      assertThat(e.kind()).isEqualTo(Kind.TRAP);
      assertThat(f.vm.failState()).isEqualTo(FailState.RUNTIME_ERROR);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void anEmbedderCallbackThatThrowsGivesInternalFailureNotAFailedVm(ExecutionMode mode) throws Exception {
    TestHosts.Context broken = new TestHosts.Context() {
      @Override
      public io.wasmplane.wasm.host.HeaderMap headerMap(MapType type) {
        throw new IllegalStateException("embedder bug");
      }
    };
    try (Faulty f = new Faulty(mode, "abi_alloc_fail", broken)) {
      f.host.onVm(() -> f.http.onRequestHeaders(4, false));
      assertThat(f.host.drainLogs()).containsExactly(":"); // '0' + 10 = ':' : INTERNAL_FAILURE
      assertThat(f.vm.failState()).isEqualTo(FailState.OK);
    }
  }
}

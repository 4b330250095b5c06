package io.wasmplane.wasm.bench;

import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.HttpContext;
import io.wasmplane.wasm.LogLevel;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.PluginModule;
import io.wasmplane.wasm.RootContext;
import io.wasmplane.wasm.RuntimeOptions;
import io.wasmplane.wasm.VmConfig;
import io.wasmplane.wasm.WasmRuntime;
import io.wasmplane.wasm.WasmVm;
import io.wasmplane.wasm.host.ContextHost;
import io.wasmplane.wasm.sdk.LoopbackVmHost;
import io.wasmplane.wasm.sdk.Plugins;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One full request round of the c_bench plugin (plugins/c/c_bench.c): stream context create, on_request_headers
 * (reads 10 headers, adds one), on_response_headers (reads one, adds one), on_log (reads two), on_done/on_delete.
 * Our runtime and the peer host io.roastedroot:proxy-wasm-java-host 0.0.5 run the same module in the same execution
 * mode on the same array-backed header maps ({@link ArrayHeaders}), fresh for every round, each behind a
 * per-request adaptor that only hands out the two maps. {@link PlainJavaRoundBenchmark} is the baseline.
 *
 * <p>Each contender has its own state, so a fork sets up only the host it measures (both run Chicory: one host's
 * warm-up must not shape the JIT profile the other is measured with). Run by scripts/bench-wasm-runtime.sh.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 6, time = 2)
@Measurement(iterations = 6, time = 1)
public class RequestRoundBenchmark {

  /** c_bench on wasmplane: a started VM and a configured root context, driven from the benchmark thread. */
  @State(Scope.Thread)
  public static class Wasmplane {
    @Param({"COMPILED", "INTERPRETED"})
    public ExecutionMode mode;

    private WasmRuntime runtime;
    private LoopbackVmHost host;
    private WasmVm vm;
    private RootContext root;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      runtime = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode));
      host = new LoopbackVmHost(LogLevel.WARN); // its thread stays idle: the benchmark thread plays the event loop
      PluginModule module = runtime.load(Plugins.bytes("c", "c_bench"));
      vm = runtime.startVm(module, VmConfig.of("bench"), host);
      root = vm.createRootContext(PluginConfig.of("c_bench", "", new byte[0]), new ContextHost() {});
      BenchStream check = round();
      BenchHeaders.verify("wasmplane", check.request, check.response);
    }

    BenchStream round() {
      BenchStream stream = new BenchStream();
      HttpContext http = root.newHttpContext(stream);
      http.onRequestHeaders(BenchHeaders.REQUEST.size(), false);
      http.onResponseHeaders(BenchHeaders.RESPONSE.size(), false);
      http.onLog();
      http.close();
      return stream;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      root.close();
      vm.close();
      host.close();
      runtime.close();
    }
  }

  /** The same module on the peer host, one shared plugin instance reused for every round. */
  @State(Scope.Thread)
  public static class Peer {
    @Param({"COMPILED", "INTERPRETED"})
    public ExecutionMode mode;

    private PeerRound peer;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      peer = new PeerRound(Plugins.bytes("c", "c_bench"), mode);
      ArrayHeaders request = new ArrayHeaders(BenchHeaders.REQUEST);
      ArrayHeaders response = new ArrayHeaders(BenchHeaders.RESPONSE);
      peer.round(request, response);
      BenchHeaders.verify("proxy-wasm-java-host", request, response);
    }

    ArrayHeaders round() {
      ArrayHeaders request = new ArrayHeaders(BenchHeaders.REQUEST);
      ArrayHeaders response = new ArrayHeaders(BenchHeaders.RESPONSE);
      peer.round(request, response);
      return request;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      peer.close();
    }
  }

  @Benchmark
  public BenchStream wasmplane(Wasmplane state) {
    return state.round();
  }

  @Benchmark
  public ArrayHeaders proxyWasmJavaHost(Peer state) {
    return state.round();
  }
}

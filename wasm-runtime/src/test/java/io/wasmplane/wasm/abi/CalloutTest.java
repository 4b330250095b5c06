package io.wasmplane.wasm.abi;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.HttpContext;
import io.wasmplane.wasm.MetricType;
import io.wasmplane.wasm.MetricValue;
import io.wasmplane.wasm.PluginConfig;
import io.wasmplane.wasm.VmConfig;
import io.wasmplane.wasm.WasmVm;
import io.wasmplane.wasm.host.HttpCallRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Shared data, queues, metrics, http and gRPC callouts, foreign functions and timers (abi_host_calls.wat). */
class CalloutTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Another VM of the same runtime with the given vm_id, and one HTTP context in it. */
  private static HttpContext otherVm(Fixture f, ExecutionMode mode, String vmId) throws Exception {
    WasmVm vm = f.host.onVm(() -> f.runtime.startVm(TestPlugins.module("abi_host_calls", mode),
        VmConfig.of(vmId), f.host));
    return f.host.onVm(() -> vm.createRootContext(PluginConfig.of("p1", "r1", b("cfg")), new TestHosts.Context())
        .newHttpContext(new TestHosts.Context()));
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void sharedDataWithCasAcrossVmsOfOneVmId(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      assertThat(f.scenario(6)).containsExactly(
          "0", "0", "v1", // set, get
          "8", // stale cas: CAS_MISMATCH
          "0", "0", "v2", // set with the current cas, get
          "1"); // missing key
      assertThat(new String(f.runtime.sharedData().get("vm1", "k").value())).isEqualTo("v2");
      HttpContext sameVmId = otherVm(f, mode, "vm1");
      HttpContext otherVmId = otherVm(f, mode, "vm2");
      f.host.drainLogs();
      f.host.onVm(() -> sameVmId.onRequestHeaders(16, false));
      assertThat(f.host.drainLogs()).containsExactly("0", "v2");
      f.host.onVm(() -> otherVmId.onRequestHeaders(16, false));
      assertThat(f.host.drainLogs().get(0)).isEqualTo("1"); // NOT_FOUND: vm2 has its own space
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void sharedQueuesAndQueueReady(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      List<String> log = f.scenarioThenAwait(7, 12);
      int qid = f.runtime.sharedQueues().resolve("vm1", "q").getAsInt();
      assertThat(log).containsExactly(
          "0", "0", "1", // register, resolve (same id)
          "0", "0", "item", // enqueue, dequeue
          "7", // EMPTY
          "1", "1", "1", // unknown id on enqueue, unknown name on resolve, unknown id on dequeue
          "ready", String.valueOf(qid)); // then the enqueue's notification, on the VM's thread, to the root
      f.host.drainLogs();
      // another party enqueues: the owner hears of it again
      f.runtime.sharedQueues().enqueue(qid, b("x"));
      assertThat(f.host.awaitLogs(l -> l.size() >= 2)).containsExactly("ready", String.valueOf(qid));
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void metrics(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      assertThat(f.scenario(8)).containsExactly(
          "0", "0", "2", "0", "5", // counter: define, +5, -1 refused, get 5
          "0", "0", "0", "42", // gauge: define, record 42, get
          "0", "0", "2", // histogram: define, record, get refused
          "2", "1", "2"); // bad type, unknown id, same name with another type
      Map<String, MetricValue> byName = new java.util.HashMap<>();
      for (MetricValue v : f.runtime.metrics().snapshot()) {
        byName.put(v.name(), v);
      }
      assertThat(byName.get("c1").type()).isEqualTo(MetricType.COUNTER);
      assertThat(byName.get("c1").value()).isEqualTo(5);
      assertThat(byName.get("g1").value()).isEqualTo(42);
      assertThat(byName.get("h1").count()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void httpCallAndItsResponse(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      List<String> log = f.scenarioThenAwait(9, 17);
      assertThat(log).containsExactly(
          "0", "1", // call made, token 1
          "2", // :path missing
          "2", // unknown upstream (the host says BAD_ARGUMENT)
          "6", // bad token pointer
          "2", // negative timeout
          // the response arrives later on the VM's thread, to the calling context, maps and body readable
          "resp", "1", "2", "4", "0", // token, 2 headers, 4 body bytes, 0 trailers
          "0", "200", // :status
          "0", "pong", // body
          "0", "0"); // proxy_get_status: OK
      assertThat(f.host.httpCalls).hasSize(1);
      HttpCallRequest req = f.host.httpCalls.get(0);
      assertThat(req.upstream()).isEqualTo("cluster");
      assertThat(req.headers()).containsExactly(
          Map.entry(":method", "GET"), Map.entry(":path", "/x"), Map.entry(":authority", "up"));
      assertThat(new String(req.body())).isEqualTo("ping");
      assertThat(req.timeout().toMillis()).isEqualTo(1000);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void grpcCallsAndStreams(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      assertThat(f.scenarioThenAwait(10, 23)).containsExactly(
          "0", // unary call
          "2", // unknown upstream
          "0", "0", // stream, send
          "1", "1", "1", // unknown token: send, cancel, close
          "0", // cancel the stream (no callbacks for it)
          // then, on the VM's thread, the unary call's reports
          "gim", "1", "0", "b", // initial metadata: 1 entry, readable as GRPC_CALL_INITIAL_METADATA
          "grecv", "0", "reply", // message readable as GRPC_CALL_MESSAGE
          "gtm", "2", "0", "1", // trailing metadata: 2 entries, readable as GRPC_CALL_TRAILING_METADATA
          "gclose", "0", "0", "ok"); // status 0; proxy_get_status gives the message
      assertThat(f.host.grpcCalls).hasSize(2);
      assertThat(f.host.grpcCalls.get(0).service()).isEqualTo("svc");
      assertThat(f.host.grpcCalls.get(0).method()).isEqualTo("M");
      assertThat(new String(f.host.grpcCalls.get(0).message())).isEqualTo("m");
      assertThat(f.host.grpcCalls.get(1).message()).isNull();
      assertThat(f.host.grpcStreams.get(1).sent).containsExactly("m");
      assertThat(f.host.grpcStreams.get(1).cancelled).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void foreignFunctions(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      assertThat(f.scenario(11)).containsExactly(
          "0", "0", "hello hello hello", // compress, then uncompress gives the input back
          "1", // unknown function
          "3"); // uncompress of bytes that are not zlib: SERIALIZATION_FAILURE
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void timerTicksOnTheVmThreadUntilStopped(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      f.host.drainLogs();
      f.host.onVm(() -> f.http.onRequestHeaders(13, false));
      // the plugin stops its timer after the third tick
      assertThat(f.host.awaitLogs(l -> l.size() >= 4)).containsExactly("0", "tick", "tick", "tick");
      TimeUnit.MILLISECONDS.sleep(80);
      assertThat(f.host.drainLogs()).containsExactly("0", "tick", "tick", "tick");
    }
  }
}

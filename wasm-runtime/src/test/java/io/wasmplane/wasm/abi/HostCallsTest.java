package io.wasmplane.wasm.abi;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.wasm.BufferType;
import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.MapType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Header-map, buffer, property and stream host functions, with their exact status codes (abi_host_calls.wat). */
class HostCallsTest {
  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void headerMapFunctions(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      List<String> log = f.scenario(1);
      assertThat(log).containsExactly(
          "0", "va", // get x-a
          "1", // get x-missing: NOT_FOUND (0.2.1)
          "0", "0", "0", // add x-added, replace x-a, remove x-b
          "0", "23", // size in bytes: ":path/p" + "x-anew" + "x-addedyes"
          "0", "0", // get pairs of the request, set them as the response headers
          "2", // unknown map type
          "6", "6", // bad key pointer, bad return pointer
          "2", // http-call response headers outside their callback: not available
          "2", // malformed pairs
          "2"); // a map the host does not have (response trailers)
      assertThat(f.stream.maps.get(MapType.HTTP_REQUEST_HEADERS).entries())
          .containsExactly(Map.entry(":path", "/p"), Map.entry("x-a", "new"), Map.entry("x-added", "yes"));
      assertThat(f.stream.maps.get(MapType.HTTP_RESPONSE_HEADERS).entries())
          .containsExactly(Map.entry(":path", "/p"), Map.entry("x-a", "new"), Map.entry("x-added", "yes"));
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void readOnlyMapIsBadArgument(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      f.stream.maps.get(MapType.HTTP_REQUEST_HEADERS).writable = false;
      List<String> log = f.scenario(1);
      assertThat(log.subList(0, 6)).containsExactly("0", "va", "1", "2", "2", "2");
      assertThat(f.stream.maps.get(MapType.HTTP_REQUEST_HEADERS).entries()).hasSize(3);
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void bufferFunctions(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      f.stream.buffers.put(BufferType.HTTP_REQUEST_BODY, new TestHosts.Bytes("hello world"));
      List<String> log = f.scenario(2);
      assertThat(log).containsExactly(
          "0", "11", // status: length
          "0", "hello", // bytes 0..5
          "0", "world", // bytes 6..
          "0", "0", // prepend, append
          "0", "cfg", // plugin configuration
          "0", "vmc", // VM configuration
          "12", // plugin configuration is read-only
          "2", // unknown buffer type
          "1", // http-call response body outside its callback
          "2", // start past the end
          "6", // bad return pointer
          "1", // no response body here
          "6"); // bad data pointer on set
      assertThat(f.stream.buffers.get(BufferType.HTTP_REQUEST_BODY)).hasToString("pre-hello world-post");
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void propertyFunctions(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      f.stream.properties.put(List.of("request", "path"), "/p".getBytes());
      List<String> log = f.scenario(3);
      assertThat(log).containsExactly(
          "0", "p1", "0", "r1", "0", "vm1", // plugin_name, plugin_root_id, plugin_vm_id
          "0", "/p", // request\0path from the embedder
          "1", // unknown
          "0", "0", "v1", // set, then read back (filter state)
          "6"); // bad path pointer
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void streamFunctions(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      List<String> log = f.scenario(4);
      assertThat(log).containsExactly("0", "0", "0", "2", "2", "2", "0", "0");
      assertThat(f.stream.localResponses).hasSize(1);
      var reply = f.stream.localResponses.get(0);
      assertThat(reply.statusCode()).isEqualTo(403);
      assertThat(reply.details()).isEqualTo("denied");
      assertThat(new String(reply.body())).isEqualTo("nope");
      assertThat(reply.headers()).containsExactly(Map.entry("x-deny", "1"));
      assertThat(reply.grpcStatus()).isEqualTo(-1);
      assertThat(f.stream.streamActions).containsExactly(
          "continue HTTP_REQUEST", "close HTTP_RESPONSE", "continue HTTP_REQUEST", "continue HTTP_RESPONSE");
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void loggingAndClock(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      f.host.drainLogs();
      f.host.onVm(() -> f.http.onRequestHeaders(5, false));
      List<String> levels = List.copyOf(f.host.levels);
      List<String> log = f.host.drainLogs();
      long now = System.currentTimeMillis() / 1000;
      assertThat(log).hasSize(7);
      assertThat(log.subList(0, 3)).containsExactly("0", "2", "0"); // log level INFO, time OK
      assertThat(Long.parseLong(log.get(3))).isBetween(now - 10, now + 10);
      assertThat(log.subList(4, 7)).containsExactly("2", "6", "nope"); // bad level, bad pointer; TRACE dropped
      assertThat(levels.get(6)).isEqualTo("ERROR nope");
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void effectiveContextAndMisc(ExecutionMode mode) throws Exception {
    try (Fixture f = Fixture.start(mode)) {
      // the root context has no header maps: after switching to it, the add is BAD_ARGUMENT
      assertThat(f.scenario(12)).containsExactly("0", "2", "2");
      assertThat(f.stream.maps.get(MapType.HTTP_REQUEST_HEADERS).get("x-added")).isNull();
      // clear_route_cache, span tag, envoy_resolve_dns UNIMPLEMENTED, pthread_equal, proxy_done not pending
      assertThat(f.scenario(14)).containsExactly("0", "0", "12", "1", "0", "1");
    }
  }
}

package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.HeaderPairs;
import io.wasmplane.wasm.Status;
import io.wasmplane.wasm.StreamType;
import io.wasmplane.wasm.host.LocalResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Stream control: {@code proxy_continue_stream}, {@code proxy_close_stream}, {@code proxy_send_local_response},
 * {@code proxy_get_status}, and the 0.1.0 {@code proxy_continue_request}/{@code _response},
 * {@code proxy_clear_route_cache} and {@code proxy_set_active_span_tag}.
 */
final class StreamFunctions {
  private StreamFunctions() {}

  static List<HostCall> calls() {
    return List.of(
        HostCall.env("proxy_continue_stream", 1, (vm, a) -> continueStream(vm, StreamType.fromAbi((int) a[0]))),
        HostCall.env("proxy_close_stream", 1, StreamFunctions::closeStream),
        HostCall.env("proxy_continue_request", 0, (vm, a) -> continueStream(vm, StreamType.HTTP_REQUEST)),
        HostCall.env("proxy_continue_response", 0, (vm, a) -> continueStream(vm, StreamType.HTTP_RESPONSE)),
        HostCall.env("proxy_send_local_response", 8, StreamFunctions::sendLocalResponse),
        HostCall.env("proxy_get_status", 3, StreamFunctions::getStatus),
        // Route caches belong to the embedder's router, which re-matches per request anyway: nothing to clear.
        HostCall.env("proxy_clear_route_cache", 0, (vm, a) -> Status.OK.code()),
        // 0.1.0 tracing call; this host has no tracer, so the tag goes nowhere, as in Envoy without tracing.
        HostCall.env("proxy_set_active_span_tag", 4, (vm, a) -> {
          vm.memory.read(a[0], a[1]);
          vm.memory.read(a[2], a[3]);
          return Status.OK.code();
        }));
  }

  private static long continueStream(VmState vm, StreamType type) {
    if (type == null) {
      return Status.BAD_ARGUMENT.code();
    }
    ContextState ctx = vm.effective;
    return ctx == null ? Status.NOT_FOUND.code() : ctx.host.continueStream(type).code();
  }

  private static long closeStream(VmState vm, long[] a) {
    StreamType type = StreamType.fromAbi((int) a[0]);
    if (type == null) {
      return Status.BAD_ARGUMENT.code();
    }
    ContextState ctx = vm.effective;
    return ctx == null ? Status.NOT_FOUND.code() : ctx.host.closeStream(type).code();
  }

  private static long sendLocalResponse(VmState vm, long[] a) {
    int statusCode = (int) a[0];
    String details = vm.memory.readString(a[1], a[2]);
    byte[] body = vm.memory.read(a[3], a[4]);
    byte[] headerBytes = vm.memory.read(a[5], a[6]);
    int grpcStatus = (int) a[7];
    List<Map.Entry<String, String>> headers;
    try {
      headers = HeaderPairs.decode(headerBytes);
    } catch (IllegalArgumentException malformed) {
      return Status.BAD_ARGUMENT.code();
    }
    ContextState ctx = vm.effective;
    if (ctx == null) {
      return Status.NOT_FOUND.code();
    }
    return ctx.host.sendLocalResponse(new LocalResponse(statusCode, details, body, headers,
        grpcStatus < 0 || grpcStatus > 16 ? -1 : grpcStatus)).code();
  }

  /** The status of the last http-call response or gRPC close delivered to the plugin. */
  private static long getStatus(VmState vm, long[] a) {
    vm.memory.writeU32(a[0], vm.callout.statusCode);
    return vm.memory.returnBytes(vm.callout.statusMessage.getBytes(StandardCharsets.UTF_8), a[1], a[2]).code();
  }
}

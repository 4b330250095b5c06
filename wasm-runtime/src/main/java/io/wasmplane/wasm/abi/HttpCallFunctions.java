package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.HeaderPairs;
import io.wasmplane.wasm.Status;
import io.wasmplane.wasm.host.HttpCallRequest;
import io.wasmplane.wasm.host.HttpCallResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code proxy_http_call}: BAD_ARGUMENT without :method, :path or :authority or with a negative timeout (as Envoy);
 * otherwise the embedder sends it; the response comes back on the VM's executor as
 * {@code proxy_on_http_call_response(root context, token, headers, body size, trailers)} to the root context of the
 * caller, as Envoy does, with the HTTP_CALL_RESPONSE_* maps and body readable during that callback only.
 */
final class HttpCallFunctions {
  private HttpCallFunctions() {}

  record PendingCall(int token, ContextState context) {}

  static List<HostCall> calls() {
    return List.of(HostCall.env("proxy_http_call", 10, HttpCallFunctions::httpCall));
  }

  private static long httpCall(VmState vm, long[] a) {
    String upstream = vm.memory.readString(a[0], a[1]);
    byte[] headerBytes = vm.memory.read(a[2], a[3]);
    byte[] body = vm.memory.read(a[4], a[5]);
    byte[] trailerBytes = vm.memory.read(a[6], a[7]);
    long timeoutMs = GuestMemory.unsigned(a[8]);
    vm.memory.check(GuestMemory.unsigned(a[9]), 4);
    List<Map.Entry<String, String>> headers;
    List<Map.Entry<String, String>> trailers;
    try {
      headers = HeaderPairs.decode(headerBytes);
      trailers = HeaderPairs.decode(trailerBytes);
    } catch (IllegalArgumentException malformed) {
      return Status.BAD_ARGUMENT.code();
    }
    if ((int) a[8] < 0 || !has(headers, ":method") || !has(headers, ":path") || !has(headers, ":authority")) {
      return Status.BAD_ARGUMENT.code();
    }
    // Envoy registers callouts on the root context of the caller (cpp-host exports.cc: ...->root_context()) and
    // calls it back with the root context id; the SDKs map the token back to the stream themselves.
    ContextState ctx = vm.effective == null ? null : vm.effective.root;
    if (ctx == null) {
      return Status.NOT_FOUND.code();
    }
    int token = vm.nextToken();
    vm.httpCalls.put(token, new PendingCall(token, ctx));
    Status s = vm.host.httpCall(new HttpCallRequest(upstream, headers, body, trailers, Duration.ofMillis(timeoutMs)),
        response -> vm.runLater("proxy_on_http_call_response", () -> deliver(vm, token, response)));
    if (s != Status.OK) {
      vm.httpCalls.remove(token);
      return s.code();
    }
    vm.memory.writeU32(a[9], token);
    return Status.OK.code();
  }

  private static boolean has(List<Map.Entry<String, String>> headers, String name) {
    for (Map.Entry<String, String> e : headers) {
      if (e.getKey().equals(name) && !e.getValue().isEmpty()) {
        return true;
      }
    }
    return false;
  }

  private static void deliver(VmState vm, int token, HttpCallResponse response) {
    PendingCall call = vm.httpCalls.remove(token);
    if (call == null || call.context().closed) {
      return; // the caller is gone, as Envoy cancels a context's calls when it is deleted
    }
    VmState.Callout c = vm.callout;
    c.httpHeaders = new ListHeaderMap(response.headers());
    c.httpTrailers = new ListHeaderMap(response.trailers());
    c.httpBody = response.body() == null ? new byte[0] : response.body();
    c.statusCode = response.failed() ? Status.BROKEN_CONNECTION.code() : Status.OK.code();
    c.statusMessage = response.failed() ? "failed" : "";
    try {
      vm.invoke(call.context(), Callback.ON_HTTP_CALL_RESPONSE, 0, call.context().id, token,
          response.headers().size(), c.httpBody.length, response.trailers().size());
    } finally {
      c.clearData();
    }
  }
}

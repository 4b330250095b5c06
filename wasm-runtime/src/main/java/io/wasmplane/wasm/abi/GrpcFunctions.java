package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.HeaderPairs;
import io.wasmplane.wasm.Status;
import io.wasmplane.wasm.host.GrpcCallRequest;
import io.wasmplane.wasm.host.GrpcCallbacks;
import io.wasmplane.wasm.host.GrpcStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * gRPC callouts: {@code proxy_grpc_call}, {@code _stream}, {@code _send}, {@code _cancel}, {@code _close}. What the
 * embedder reports back is delivered on the VM's executor to the calling context as the gRPC callbacks, with the
 * metadata maps, the message buffer and {@code proxy_get_status} readable during them. An unknown upstream is
 * BAD_ARGUMENT, an unknown token NOT_FOUND; after cancel no callback follows.
 */
final class GrpcFunctions {
  private GrpcFunctions() {}

  record Call(int token, ContextState context, GrpcStream stream) {}

  static List<HostCall> calls() {
    return List.of(
        HostCall.env("proxy_grpc_call", 12, (vm, a) -> start(vm, a, true)),
        HostCall.env("proxy_grpc_stream", 9, (vm, a) -> start(vm, a, false)),
        HostCall.env("proxy_grpc_send", 4, GrpcFunctions::send),
        HostCall.env("proxy_grpc_cancel", 1, (vm, a) -> {
          Call call = vm.grpcCalls.remove((int) a[0]);
          if (call == null) {
            return Status.NOT_FOUND.code();
          }
          call.stream().cancel();
          return Status.OK.code();
        }),
        HostCall.env("proxy_grpc_close", 1, (vm, a) -> {
          Call call = vm.grpcCalls.get((int) a[0]);
          if (call == null) {
            return Status.NOT_FOUND.code();
          }
          call.stream().close();
          return Status.OK.code();
        }));
  }

  private static long start(VmState vm, long[] a, boolean unary) {
    String upstream = vm.memory.readString(a[0], a[1]);
    String service = vm.memory.readString(a[2], a[3]);
    String method = vm.memory.readString(a[4], a[5]);
    byte[] metadataBytes = vm.memory.read(a[6], a[7]);
    byte[] message = unary ? vm.memory.read(a[8], a[9]) : null;
    Duration timeout = unary ? Duration.ofMillis(GuestMemory.unsigned(a[10])) : null;
    long tokenPtr = unary ? a[11] : a[8];
    vm.memory.check(GuestMemory.unsigned(tokenPtr), 4);
    List<Map.Entry<String, String>> metadata;
    try {
      metadata = HeaderPairs.decode(metadataBytes);
    } catch (IllegalArgumentException malformed) {
      return Status.BAD_ARGUMENT.code();
    }
    // Envoy registers callouts on the root context of the caller (cpp-host exports.cc: ...->root_context()) and
    // calls it back with the root context id; the SDKs map the token back to the stream themselves.
    ContextState ctx = vm.effective == null ? null : vm.effective.root;
    if (ctx == null) {
      return Status.NOT_FOUND.code();
    }
    int token = vm.nextToken();
    GrpcStream stream = vm.host.grpcCall(new GrpcCallRequest(upstream, service, method, metadata, message, timeout),
        new Deliver(vm, token));
    if (stream == null) {
      return Status.BAD_ARGUMENT.code();
    }
    vm.grpcCalls.put(token, new Call(token, ctx, stream));
    vm.memory.writeU32(tokenPtr, token);
    return Status.OK.code();
  }

  private static long send(VmState vm, long[] a) {
    byte[] message = vm.memory.read(a[1], a[2]);
    Call call = vm.grpcCalls.get((int) a[0]);
    if (call == null) {
      return Status.NOT_FOUND.code();
    }
    return call.stream().send(message, a[3] != 0) ? Status.OK.code() : Status.BAD_ARGUMENT.code();
  }

  /** Hops each report to the VM's thread and turns it into the plugin callback. */
  private static final class Deliver implements GrpcCallbacks {
    private final VmState vm;
    private final int token;

    Deliver(VmState vm, int token) {
      this.vm = vm;
      this.token = token;
    }

    private Call live() {
      Call call = vm.grpcCalls.get(token);
      return call == null || call.context().closed ? null : call;
    }

    @Override
    public void onInitialMetadata(List<Map.Entry<String, String>> metadata) {
      vm.runLater("proxy_on_grpc_receive_initial_metadata", () -> {
        Call call = live();
        if (call != null) {
          vm.callout.grpcInitialMetadata = new ListHeaderMap(metadata);
          try {
            vm.invoke(call.context(), Callback.ON_GRPC_RECEIVE_INITIAL_METADATA, 0, call.context().id, token,
                metadata.size());
          } finally {
            vm.callout.clearData();
          }
        }
      });
    }

    @Override
    public void onMessage(byte[] message) {
      vm.runLater("proxy_on_grpc_receive", () -> {
        Call call = live();
        if (call != null) {
          vm.callout.grpcMessage = message;
          try {
            vm.invoke(call.context(), Callback.ON_GRPC_RECEIVE, 0, call.context().id, token, message.length);
          } finally {
            vm.callout.clearData();
          }
        }
      });
    }

    @Override
    public void onTrailingMetadata(List<Map.Entry<String, String>> metadata) {
      vm.runLater("proxy_on_grpc_receive_trailing_metadata", () -> {
        Call call = live();
        if (call != null) {
          vm.callout.grpcTrailingMetadata = new ListHeaderMap(metadata);
          try {
            vm.invoke(call.context(), Callback.ON_GRPC_RECEIVE_TRAILING_METADATA, 0, call.context().id, token,
                metadata.size());
          } finally {
            vm.callout.clearData();
          }
        }
      });
    }

    @Override
    public void onClose(int grpcStatus, String message) {
      vm.runLater("proxy_on_grpc_close", () -> {
        Call call = live();
        if (call != null) {
          vm.grpcCalls.remove(token);
          vm.callout.statusCode = grpcStatus;
          vm.callout.statusMessage = message == null ? "" : message;
          vm.invoke(call.context(), Callback.ON_GRPC_CLOSE, 0, call.context().id, token, grpcStatus);
        }
      });
    }
  }
}

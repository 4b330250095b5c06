package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.BufferType;
import io.wasmplane.wasm.Status;
import io.wasmplane.wasm.host.Buffer;
import java.util.Arrays;
import java.util.List;

/**
 * {@code proxy_get_buffer_bytes}, {@code proxy_set_buffer_bytes}, {@code proxy_get_buffer_status} and the 0.1.0
 * {@code proxy_get_configuration}. Body and data buffers come from the context's host; configuration, call
 * responses, gRPC messages and foreign-function arguments are the runtime's own, read-only (UNIMPLEMENTED on set,
 * as cpp-host's read-only buffers answer).
 */
final class BufferFunctions {
  private BufferFunctions() {}

  static List<HostCall> calls() {
    return List.of(
        HostCall.env("proxy_get_buffer_bytes", 5, BufferFunctions::getBytes),
        HostCall.env("proxy_set_buffer_bytes", 5, BufferFunctions::setBytes),
        HostCall.env("proxy_get_buffer_status", 3, BufferFunctions::getStatus),
        HostCall.env("proxy_get_configuration", 2, BufferFunctions::getConfiguration));
  }

  /** The runtime-owned bytes of this buffer type, or null when the type is the host's. */
  private static byte[] owned(VmState vm, BufferType type) {
    switch (type) {
      case VM_CONFIGURATION:
        return vm.config.configuration();
      case PLUGIN_CONFIGURATION:
        return vm.effective == null ? null : vm.effective.root.plugin.configuration();
      case HTTP_CALL_RESPONSE_BODY:
        return vm.callout.httpBody;
      case GRPC_CALL_MESSAGE:
        return vm.callout.grpcMessage;
      case FOREIGN_FUNCTION_ARGUMENTS:
        return vm.callout.foreignArguments;
      default:
        return null;
    }
  }

  private static boolean isOwned(BufferType type) {
    return type.ordinal() >= BufferType.HTTP_CALL_RESPONSE_BODY.ordinal();
  }

  private static Buffer hostBuffer(VmState vm, BufferType type) {
    return vm.effective == null ? null : vm.effective.host.buffer(type);
  }

  private static long getBytes(VmState vm, long[] a) {
    BufferType type = BufferType.fromAbi((int) a[0]);
    long start = GuestMemory.unsigned(a[1]);
    long max = GuestMemory.unsigned(a[2]);
    if (type == null) {
      return Status.BAD_ARGUMENT.code();
    }
    byte[] data;
    if (isOwned(type)) {
      byte[] all = owned(vm, type);
      if (all == null) {
        return Status.NOT_FOUND.code();
      }
      if (start > all.length) {
        return Status.BAD_ARGUMENT.code();
      }
      data = Arrays.copyOfRange(all, (int) start, (int) Math.min(all.length, start + max));
    } else {
      Buffer buffer = hostBuffer(vm, type);
      if (buffer == null) {
        return Status.NOT_FOUND.code();
      }
      if (start > buffer.length()) {
        return Status.BAD_ARGUMENT.code();
      }
      data = buffer.read((int) start, (int) Math.min(max, Integer.MAX_VALUE));
    }
    if (data.length == 0) {
      return Status.OK.code(); // as cpp-host: nothing to return, the return pointers are left alone
    }
    return vm.memory.returnBytes(data, a[3], a[4]).code();
  }

  private static long setBytes(VmState vm, long[] a) {
    BufferType type = BufferType.fromAbi((int) a[0]);
    vm.memory.check(GuestMemory.unsigned(a[3]), GuestMemory.unsigned(a[4]));
    if (type == null) {
      return Status.BAD_ARGUMENT.code();
    }
    if (isOwned(type)) {
      return owned(vm, type) == null ? Status.NOT_FOUND.code() : Status.UNIMPLEMENTED.code();
    }
    Buffer buffer = hostBuffer(vm, type);
    if (buffer == null) {
      return Status.NOT_FOUND.code();
    }
    long start = GuestMemory.unsigned(a[1]);
    long size = GuestMemory.unsigned(a[2]);
    long length = buffer.length();
    long replaced = start >= length || (start == 0 && size == 0) ? 0 : Math.min(size, length - start);
    if (length - replaced + GuestMemory.unsigned(a[4]) > HostLimits.MAX_BUFFER_BYTES) {
      return Status.BAD_ARGUMENT.code(); // checked before the bytes are copied out of the plugin's memory
    }
    byte[] data = vm.memory.read(a[3], a[4]);
    boolean ok = buffer.set((int) Math.min(start, Integer.MAX_VALUE), (int) Math.min(size, Integer.MAX_VALUE), data);
    return ok ? Status.OK.code() : Status.BAD_ARGUMENT.code();
  }

  private static long getStatus(VmState vm, long[] a) {
    BufferType type = BufferType.fromAbi((int) a[0]);
    vm.memory.check(GuestMemory.unsigned(a[1]), 4);
    vm.memory.check(GuestMemory.unsigned(a[2]), 4);
    if (type == null) {
      return Status.BAD_ARGUMENT.code();
    }
    long length;
    if (isOwned(type)) {
      byte[] all = owned(vm, type);
      if (all == null) {
        return Status.NOT_FOUND.code();
      }
      length = all.length;
    } else {
      Buffer buffer = hostBuffer(vm, type);
      if (buffer == null) {
        return Status.NOT_FOUND.code();
      }
      length = buffer.length();
    }
    vm.memory.writeU32(a[1], length);
    vm.memory.writeU32(a[2], 0);
    return Status.OK.code();
  }

  /** ABI 0.1.0: the VM configuration inside on_vm_start, else the plugin configuration. */
  private static long getConfiguration(VmState vm, long[] a) {
    byte[] data = "proxy_on_vm_start".equals(vm.currentCallName())
        ? vm.config.configuration()
        : owned(vm, BufferType.PLUGIN_CONFIGURATION);
    if (data == null) {
      return Status.NOT_FOUND.code();
    }
    return vm.memory.returnBytes(data, a[0], a[1]).code();
  }
}

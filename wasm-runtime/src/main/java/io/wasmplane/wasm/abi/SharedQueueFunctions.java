package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.FailState;
import io.wasmplane.wasm.SharedQueues;
import io.wasmplane.wasm.Status;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.IntConsumer;

/**
 * Shared queues: register (the registering root context gets {@code proxy_on_queue_ready} on its VM's thread),
 * resolve, enqueue, dequeue.
 */
final class SharedQueueFunctions {
  private SharedQueueFunctions() {}

  static List<HostCall> calls() {
    return List.of(
        HostCall.env("proxy_register_shared_queue", 3, SharedQueueFunctions::register),
        HostCall.env("proxy_resolve_shared_queue", 5, SharedQueueFunctions::resolve),
        HostCall.env("proxy_enqueue_shared_queue", 3, (vm, a) -> {
          byte[] value = vm.memory.read(a[1], a[2]);
          return vm.services.sharedQueues().enqueue((int) a[0], value).code();
        }),
        HostCall.env("proxy_dequeue_shared_queue", 3, SharedQueueFunctions::dequeue));
  }

  private static long register(VmState vm, long[] a) {
    String name = vm.memory.readString(a[0], a[1]);
    vm.memory.check(GuestMemory.unsigned(a[2]), 4);
    ContextState ctx = vm.effective;
    if (ctx == null) {
      return Status.NOT_FOUND.code();
    }
    ContextState root = ctx.root;
    IntConsumer onReady = qid -> {
      // SharedQueues runs this on our executor already.
      if (root.closed || vm.closed() || vm.failState() != FailState.OK) {
        return;
      }
      try {
        vm.invoke(root, Callback.ON_QUEUE_READY, 0, root.id, qid);
      } catch (RuntimeException failed) {
        // the VM is failed and logged by invoke
      }
    };
    int id = vm.services.sharedQueues().register(vm.config.vmId(), name, vm.host.executor(), onReady);
    if (id == 0) {
      return Status.INTERNAL_FAILURE.code(); // the vm_id has as many queues as it may
    }
    vm.queueOwnerships.put(id, onReady);
    vm.memory.writeU32(a[2], id);
    return Status.OK.code();
  }

  private static long resolve(VmState vm, long[] a) {
    String vmId = vm.memory.readString(a[0], a[1]);
    String name = vm.memory.readString(a[2], a[3]);
    vm.memory.check(GuestMemory.unsigned(a[4]), 4);
    OptionalInt id = vm.services.sharedQueues().resolve(vmId, name);
    if (id.isEmpty()) {
      return Status.NOT_FOUND.code();
    }
    vm.memory.writeU32(a[4], id.getAsInt());
    return Status.OK.code();
  }

  private static long dequeue(VmState vm, long[] a) {
    vm.memory.check(GuestMemory.unsigned(a[1]), 4);
    vm.memory.check(GuestMemory.unsigned(a[2]), 4);
    SharedQueues.Dequeued d = vm.services.sharedQueues().dequeue((int) a[0]);
    if (d.status() != Status.OK) {
      return d.status().code();
    }
    return vm.memory.returnBytes(d.value(), a[1], a[2]).code();
  }
}

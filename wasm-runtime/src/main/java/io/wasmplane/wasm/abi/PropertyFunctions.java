package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.PropertyEncoding;
import io.wasmplane.wasm.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code proxy_get_property}/{@code proxy_set_property}. Paths arrive NUL-separated ("request\0path"). The runtime
 * answers {@code plugin_name}, {@code plugin_root_id}, {@code plugin_vm_id} and what the context stored itself
 * (Envoy's filter state); everything else is the embedder's ({@code ContextHost.property}), already encoded.
 */
final class PropertyFunctions {
  private PropertyFunctions() {}

  static List<HostCall> calls() {
    return List.of(
        HostCall.env("proxy_get_property", 4, PropertyFunctions::get),
        HostCall.env("proxy_set_property", 4, PropertyFunctions::set));
  }

  static List<String> segments(String path) {
    List<String> out = new ArrayList<>(4);
    int start = 0;
    for (int i = 0; i <= path.length(); i++) {
      if (i == path.length() || path.charAt(i) == '\0') {
        out.add(path.substring(start, i));
        start = i + 1;
      }
    }
    while (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
      out.remove(out.size() - 1); // a trailing NUL, as some SDKs send
    }
    return out;
  }

  private static long get(VmState vm, long[] a) {
    String path = vm.memory.readString(a[0], a[1]);
    ContextState ctx = vm.effective;
    if (ctx == null) {
      return Status.NOT_FOUND.code();
    }
    List<String> segments = segments(path);
    byte[] value = null;
    if (segments.size() == 1) {
      switch (segments.get(0)) {
        case "plugin_name":
          value = PropertyEncoding.string(ctx.plugin.name());
          break;
        case "plugin_root_id":
          value = PropertyEncoding.string(ctx.plugin.rootId());
          break;
        case "plugin_vm_id":
          value = PropertyEncoding.string(vm.config.vmId());
          break;
        default:
          break;
      }
    }
    if (value == null) {
      value = ctx.property(String.join("\0", segments));
    }
    if (value == null && !segments.isEmpty()) {
      value = ctx.host.property(List.copyOf(segments));
    }
    if (value == null) {
      return Status.NOT_FOUND.code();
    }
    return vm.memory.returnBytes(value, a[2], a[3]).code();
  }

  private static long set(VmState vm, long[] a) {
    String path = vm.memory.readString(a[0], a[1]);
    byte[] value = vm.memory.read(a[2], a[3]);
    ContextState ctx = vm.effective;
    if (ctx == null) {
      return Status.NOT_FOUND.code();
    }
    List<String> segments = segments(path);
    if (segments.isEmpty()) {
      return Status.BAD_ARGUMENT.code();
    }
    ctx.setProperty(String.join("\0", segments), value);
    return Status.OK.code();
  }
}

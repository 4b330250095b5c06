package io.wasmplane.wasm.abi;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import com.dylibso.chicory.wasm.ChicoryException;
import io.wasmplane.wasm.PluginFailureException;
import io.wasmplane.wasm.Status;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One host function the runtime provides: its import name and type, whether it may run during start-up, and its
 * implementation against a VM. Bad plugin pointers surface as {@link GuestMemory.OutOfBounds} and become
 * INVALID_MEMORY_ACCESS here, in one place.
 */
record HostCall(String module, String name, FunctionType type, boolean allowedAtStart, Impl impl) {
  @FunctionalInterface
  interface Impl {
    /** The i32/i64 result (a status code for proxy_* calls); ignored for void functions. */
    long call(VmState vm, long[] args);
  }

  static final Logger LOG = LoggerFactory.getLogger(HostCall.class);

  static final ValType I32 = ValType.I32;
  static final ValType I64 = ValType.I64;

  /** An {@code env} function taking {@code params} i32 and returning an i32 status. */
  static HostCall env(String name, int params, Impl impl) {
    return new HostCall("env", name, FunctionType.of(Collections.nCopies(params, I32), List.of(I32)), false, impl);
  }

  static HostCall env(String name, List<ValType> params, List<ValType> results, boolean allowedAtStart, Impl impl) {
    return new HostCall("env", name, FunctionType.of(params, results), allowedAtStart, impl);
  }

  HostCall startSafe() {
    return new HostCall(module, name, type, true, impl);
  }

  String qualifiedName() {
    return module + "." + name;
  }

  HostFunction bind(VmState vm) {
    boolean isVoid = type.returns().isEmpty();
    if (!vm.capabilityAllowed(name)) {
      // Envoy's capability_restriction_config: a disallowed host function links but does nothing.
      return new HostFunction(module, name, type,
          (instance, args) -> isVoid ? null : new long[] {Status.UNIMPLEMENTED.code()});
    }
    // One result array per bound function: Chicory copies the result out as soon as the call returns, and a nested
    // call of the same function (through the allocator) has returned before this one writes its own.
    long[] out = isVoid ? null : new long[1];
    return new HostFunction(module, name, type, (instance, args) -> {
      if (!allowedAtStart && vm.starting) {
        throw new PluginFailureException(PluginFailureException.Kind.RESTRICTED_CALL, vm.pluginLabel(),
            vm.currentCallName(), "host function " + qualifiedName() + " may not be called during start-up", null);
      }
      long result;
      try {
        result = impl.call(vm, args);
      } catch (GuestMemory.OutOfBounds bad) {
        result = Status.INVALID_MEMORY_ACCESS.code();
      } catch (PluginFailureException | ChicoryException pluginFault) {
        throw pluginFault; // from a nested plugin call (the allocator): fails the VM
      } catch (RuntimeException embedderBug) {
        // An embedder callback (ContextHost, VmHost, a foreign function) threw: the plugin did nothing wrong, so
        // it gets INTERNAL_FAILURE for this call and the VM lives on.
        LOG.warn("host function {} failed serving plugin '{}': {}", qualifiedName(), vm.pluginLabel(),
            embedderBug.toString(), embedderBug);
        result = Status.INTERNAL_FAILURE.code();
      }
      if (out != null) {
        out[0] = result;
      }
      return out;
    });
  }

  static List<HostFunction> bindAll(List<HostCall> calls, VmState vm) {
    List<HostFunction> out = new ArrayList<>(calls.size());
    for (HostCall c : calls) {
      out.add(c.bind(vm));
    }
    return out;
  }
}

package io.wasmplane.wasm.abi;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every {@code env} host function of Proxy-Wasm 0.2.1, plus the 0.1.0 legacy imports and the Envoy/emscripten
 * extras. Modules of every ABI version link against the same set; the differences in semantics (0.1.0's missing
 * header value) are decided per call from the module's ABI.
 */
public final class HostFunctions {
  private static final List<HostCall> ALL;

  static {
    List<HostCall> all = new ArrayList<>();
    all.addAll(LoggingFunctions.calls());
    all.addAll(LifecycleFunctions.calls());
    all.addAll(HeaderMapFunctions.calls());
    all.addAll(BufferFunctions.calls());
    all.addAll(StreamFunctions.calls());
    all.addAll(PropertyFunctions.calls());
    all.addAll(TimerFunctions.calls());
    all.addAll(HttpCallFunctions.calls());
    all.addAll(GrpcFunctions.calls());
    all.addAll(SharedDataFunctions.calls());
    all.addAll(SharedQueueFunctions.calls());
    all.addAll(MetricFunctions.calls());
    all.addAll(ForeignFunctionFunctions.calls());
    ALL = List.copyOf(all);
  }

  private HostFunctions() {}

  /** "module.name" to type for every function this package provides. */
  public static Map<String, FunctionType> catalog() {
    Map<String, FunctionType> out = new LinkedHashMap<>();
    for (HostCall c : ALL) {
      out.put(c.qualifiedName(), c.type());
    }
    return Collections.unmodifiableMap(out);
  }

  static List<HostFunction> bindAll(VmState vm) {
    return HostCall.bindAll(ALL, vm);
  }
}

package io.wasmplane.wasm.abi;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.ValType;
import io.wasmplane.wasm.AbiVersion;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * What the host learns from a module before running it: the ABI version, which callbacks it exports under which
 * name and arity, its allocator and start functions. {@link #inspect} refuses a module the host cannot serve, with a
 * message naming the export or import at fault.
 */
public final class ModuleShape {
  /** A function the host needs is not exported (Envoy's FailState MISSING_FUNCTION). */
  public static final class MissingFunction extends IllegalArgumentException {
    MissingFunction(String message) {
      super(message);
    }
  }

  private final AbiVersion abi;
  private final String[] exportNames = new String[Callback.values().length];
  private final int[] arity = new int[Callback.values().length];
  private final Callback allocator;
  private final boolean hasInitialize;
  private final boolean hasMain;
  private final int mainArity;
  private final boolean hasStart;

  private ModuleShape(AbiVersion abi, Map<String, FunctionType> exports) {
    this.abi = abi;
    Arrays.fill(arity, -1);
    for (Callback cb : Callback.values()) {
      for (String name : cb.names()) {
        FunctionType type = exports.get(name);
        if (type == null) {
          continue;
        }
        if (!fits(cb, type)) {
          throw new IllegalArgumentException("export " + name + " has signature " + type
              + ", which no Proxy-Wasm ABI (module declares " + abi + ") accepts for this callback");
        }
        if (exportNames[cb.ordinal()] == null) {
          exportNames[cb.ordinal()] = name;
          arity[cb.ordinal()] = type.params().size();
        }
      }
    }
    if (exportNames[Callback.MALLOC.ordinal()] != null) {
      allocator = Callback.MALLOC;
    } else if (exportNames[Callback.ON_MEMORY_ALLOCATE.ordinal()] != null) {
      allocator = Callback.ON_MEMORY_ALLOCATE;
    } else {
      throw new MissingFunction(
          "module exports neither malloc nor proxy_on_memory_allocate: the host cannot return data to it");
    }
    hasInitialize = exports.containsKey("_initialize");
    FunctionType main = exports.get("main");
    hasMain = main != null;
    mainArity = main == null ? 0 : main.params().size();
    hasStart = exports.containsKey("_start");
  }

  private boolean fits(Callback cb, FunctionType type) {
    for (ValType p : type.params()) {
      if (!p.equals(ValType.I32)) {
        return false;
      }
    }
    if (!cb.acceptsParams(abi, type.params().size())) {
      return false;
    }
    return cb.returnsI32()
        ? type.returns().size() == 1 && type.returns().get(0).equals(ValType.I32)
        : type.returns().isEmpty();
  }

  /**
   * Checks a parsed module against the host's import catalog ("module.name" to type).
   *
   * @throws IllegalArgumentException with a message naming the cause
   */
  public static ModuleShape inspect(WasmModule module, Map<String, FunctionType> catalog) {
    int importedFunctions = 0;
    for (int i = 0; i < module.importSection().importCount(); i++) {
      Import imp = module.importSection().getImport(i);
      String name = imp.module() + "." + imp.name();
      if (imp.importType() != ExternalType.FUNCTION) {
        throw new IllegalArgumentException("unsupported import " + name + " (" + imp.importType()
            + "): the host provides functions only");
      }
      FunctionType wanted = module.typeSection().getType(((FunctionImport) imp).typeIndex());
      FunctionType provided = catalog.get(name);
      if (provided == null) {
        throw new IllegalArgumentException("unknown import " + name + ": the host does not provide it");
      }
      if (!provided.equals(wanted)) {
        throw new IllegalArgumentException("import " + name + " has signature " + wanted + ", the host provides "
            + provided);
      }
      importedFunctions++;
    }
    if (module.memorySection().isEmpty() || module.memorySection().get().memoryCount() == 0) {
      throw new IllegalArgumentException("module defines no linear memory");
    }
    Map<String, FunctionType> exports = new HashMap<>();
    AbiVersion abi = null;
    for (int i = 0; i < module.exportSection().exportCount(); i++) {
      Export e = module.exportSection().getExport(i);
      AbiVersion marked = AbiVersion.fromMarker(e.name());
      if (marked != null) {
        abi = marked;
      }
      if (e.exportType() == ExternalType.FUNCTION) {
        exports.put(e.name(), functionType(module, e.index(), importedFunctions));
      }
    }
    if (abi == null) {
      throw new IllegalArgumentException("Missing or unknown Proxy-Wasm ABI version (no proxy_abi_version_0_2_1, "
          + "proxy_abi_version_0_2_0 or proxy_abi_version_0_1_0 export)");
    }
    return new ModuleShape(abi, exports);
  }

  private static FunctionType functionType(WasmModule module, int index, int importedFunctions) {
    if (index < importedFunctions) {
      int seen = 0;
      for (int i = 0; i < module.importSection().importCount(); i++) {
        Import imp = module.importSection().getImport(i);
        if (imp.importType() == ExternalType.FUNCTION && seen++ == index) {
          return module.typeSection().getType(((FunctionImport) imp).typeIndex());
        }
      }
    }
    return module.functionSection().getFunctionType(index - importedFunctions, module.typeSection());
  }

  public AbiVersion abi() {
    return abi;
  }

  /** The export name serving the callback, or null when the module does not export it. */
  public String exportName(Callback cb) {
    return exportNames[cb.ordinal()];
  }

  /** The callback's parameter count, or -1 when absent. */
  public int arity(Callback cb) {
    return arity[cb.ordinal()];
  }

  public Callback allocator() {
    return allocator;
  }

  public boolean hasInitialize() {
    return hasInitialize;
  }

  public boolean hasMain() {
    return hasMain;
  }

  public int mainArity() {
    return mainArity;
  }

  public boolean hasStart() {
    return hasStart;
  }
}

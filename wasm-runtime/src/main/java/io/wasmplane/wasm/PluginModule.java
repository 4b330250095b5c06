package io.wasmplane.wasm;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import io.wasmplane.wasm.abi.ModuleShape;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Function;

/**
 * A parsed, checked and (in COMPILED mode) compiled plugin module. Immutable and shareable across threads: every
 * VM of this module reuses the one compiled machine factory.
 */
public final class PluginModule {
  private final WasmModule module;
  private final ModuleShape shape;
  private final String sha256;
  private final ExecutionMode mode;
  private final Function<Instance, Machine> machineFactory;
  private final int sizeBytes;

  private PluginModule(WasmModule module, ModuleShape shape, String sha256, ExecutionMode mode,
      Function<Instance, Machine> machineFactory, int sizeBytes) {
    this.module = module;
    this.shape = shape;
    this.sha256 = sha256;
    this.mode = mode;
    this.machineFactory = machineFactory;
    this.sizeBytes = sizeBytes;
  }

  static PluginModule load(byte[] code, RuntimeOptions options, Map<String, FunctionType> catalog,
      com.dylibso.chicory.compiler.Cache cache) throws WasmException {
    String sha256 = sha256Hex(code);
    String name = "module sha256:" + sha256.substring(0, 12);
    WasmModule module;
    try {
      module = Parser.parse(code);
    } catch (RuntimeException e) {
      throw new WasmException(FailState.UNABLE_TO_CREATE_VM, name + ": not a valid Wasm module: " + e.getMessage(), e);
    }
    ModuleShape shape;
    try {
      shape = ModuleShape.inspect(module, catalog);
    } catch (ModuleShape.MissingFunction e) {
      throw new WasmException(FailState.MISSING_FUNCTION, name + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new WasmException(FailState.UNABLE_TO_CREATE_VM, name + ": " + e.getMessage(), e);
    }
    Function<Instance, Machine> factory = null;
    if (options.mode() == ExecutionMode.COMPILED) {
      try {
        MachineFactoryCompiler.Builder b = MachineFactoryCompiler.builder(module)
            .withInterpreterFallback(InterpreterFallback.SILENT);
        if (cache != null) {
          b.withCache(cache);
        }
        factory = b.compile(); // once per module: every instance shares the generated classes
      } catch (RuntimeException e) {
        throw new WasmException(FailState.UNABLE_TO_CREATE_VM, name + ": compiling failed: " + e.getMessage(), e);
      }
    }
    return new PluginModule(module, shape, sha256, options.mode(), factory, code.length);
  }

  static String sha256Hex(byte[] code) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(code));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Lower-case hex sha256 of the module bytes (Envoy's {@code RemoteDataSource.sha256} form). */
  public String sha256() {
    return sha256;
  }

  public AbiVersion abiVersion() {
    return shape.abi();
  }

  public ExecutionMode mode() {
    return mode;
  }

  public int sizeBytes() {
    return sizeBytes;
  }

  WasmModule wasmModule() {
    return module;
  }

  ModuleShape shape() {
    return shape;
  }

  Function<Instance, Machine> machineFactory() {
    return machineFactory;
  }

  @Override
  public String toString() {
    return "PluginModule[sha256=" + sha256 + ", abi=" + shape.abi() + ", mode=" + mode + ", " + sizeBytes + " bytes]";
  }
}

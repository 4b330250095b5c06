package io.wasmplane.wasm;

import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The foreign functions plugins can call by name ({@code proxy_call_foreign_function}). An unknown name is
 * NOT_FOUND for the plugin. Built in, as Envoy's {@code foreign.cc}: {@code compress} (zlib's {@code compress()}:
 * a zlib stream, default level, of the argument bytes) and {@code uncompress} (zlib inflate of a zlib stream;
 * corrupt input or output over {@link #MAX_UNCOMPRESSED_BYTES} is SERIALIZATION_FAILURE). Envoy's
 * {@code declare_property} is not provided: it needs a typed filter-state store this runtime does not have.
 */
public final class ForeignFunctions {
  /** Bounds {@code uncompress}, so a tiny zlib bomb cannot exhaust the heap. */
  public static final int MAX_UNCOMPRESSED_BYTES = 16 * 1024 * 1024;

  private final Map<String, ForeignFunction> functions = new ConcurrentHashMap<>();

  /** A registry with the built-ins. */
  public static ForeignFunctions withBuiltIns() {
    ForeignFunctions registry = new ForeignFunctions();
    registry.register("compress", ForeignFunctions::compress);
    registry.register("uncompress", ForeignFunctions::uncompress);
    return registry;
  }

  /** Adds or replaces a function. */
  public void register(String name, ForeignFunction function) {
    functions.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(function, "function"));
  }

  /** The function registered under this name, or null. */
  public ForeignFunction lookup(String name) {
    return functions.get(name);
  }

  public Set<String> names() {
    return Set.copyOf(functions.keySet());
  }

  static byte[] compress(byte[] arguments) {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);
    try {
      deflater.setInput(arguments);
      deflater.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream(arguments.length / 2 + 64);
      byte[] chunk = new byte[8192];
      while (!deflater.finished()) {
        int n = deflater.deflate(chunk);
        out.write(chunk, 0, n);
      }
      return out.toByteArray();
    } finally {
      deflater.end();
    }
  }

  static byte[] uncompress(byte[] arguments) throws ForeignFunction.Failure {
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(arguments);
      ByteArrayOutputStream out = new ByteArrayOutputStream(arguments.length * 2 + 2);
      byte[] chunk = new byte[8192];
      while (!inflater.finished()) {
        int n = inflater.inflate(chunk);
        if (n == 0 && !inflater.finished() && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new ForeignFunction.Failure(Status.SERIALIZATION_FAILURE, "uncompress: truncated zlib stream");
        }
        if (out.size() + n > MAX_UNCOMPRESSED_BYTES) {
          throw new ForeignFunction.Failure(Status.SERIALIZATION_FAILURE,
              "uncompress: output exceeds " + MAX_UNCOMPRESSED_BYTES + " bytes");
        }
        out.write(chunk, 0, n);
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new ForeignFunction.Failure(Status.SERIALIZATION_FAILURE, "uncompress: not a zlib stream: " + e.getMessage());
    } finally {
      inflater.end();
    }
  }
}

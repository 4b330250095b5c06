package io.wasmplane.dataplane.wasm;

import java.nio.file.Path;

/**
 * Where and how much plugin code is cached. {@code dir} holds {@code modules/<sha256>.wasm} (fetched bytes) and
 * {@code compiled/} (Chicory's compiled classes, through wasm-runtime's compiledCodeCacheDir); null disables the disk
 * cache. Read from system properties {@code wasmplane.wasm.cache_dir} / {@code wasmplane.wasm.cache_max_bytes} or the
 * environment variables {@code WASMPLANE_WASM_CACHE_DIR} / {@code WASMPLANE_WASM_CACHE_MAX_BYTES}.
 */
public record WasmCacheOptions(Path dir, long maxDiskBytes, long maxMemoryBytes, long maxModuleBytes) {
  public static final long DEFAULT_MAX_DISK_BYTES = 1L << 30;
  public static final long DEFAULT_MAX_MEMORY_BYTES = 256L << 20;
  public static final long DEFAULT_MAX_MODULE_BYTES = 256L << 20;

  public static WasmCacheOptions fromEnvironment() {
    String dir = setting("wasmplane.wasm.cache_dir", "WASMPLANE_WASM_CACHE_DIR");
    String max = setting("wasmplane.wasm.cache_max_bytes", "WASMPLANE_WASM_CACHE_MAX_BYTES");
    Path d = dir == null ? Path.of(System.getProperty("java.io.tmpdir"), "wasmplane-wasm-cache-" + System.getProperty("user.name"))
        : dir.isEmpty() ? null : Path.of(dir);
    return new WasmCacheOptions(d, max == null ? DEFAULT_MAX_DISK_BYTES : Long.parseLong(max), DEFAULT_MAX_MEMORY_BYTES,
        DEFAULT_MAX_MODULE_BYTES);
  }

  public Path compiledDir() {
    return dir == null ? null : dir.resolve("compiled");
  }

  private static String setting(String property, String env) {
    String v = System.getProperty(property);
    return v != null ? v : System.getenv(env);
  }
}

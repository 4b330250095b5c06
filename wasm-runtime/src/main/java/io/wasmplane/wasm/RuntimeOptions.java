package io.wasmplane.wasm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Process-wide runtime settings.
 *
 * @param mode COMPILED (default) or INTERPRETED
 * @param callTimeout a plugin callback running longer is interrupted and fails its VM
 * @param maxMemoryPages cap on each VM's linear memory in 64 KiB pages (default 16384 = 1 GiB, as cpp-host)
 * @param compiledCodeCacheDir where compiled code is cached by sha256, or null for no disk cache
 */
public record RuntimeOptions(ExecutionMode mode, Duration callTimeout, int maxMemoryPages, Path compiledCodeCacheDir) {
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(1);
  public static final int DEFAULT_MAX_MEMORY_PAGES = 16384;

  public RuntimeOptions {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(callTimeout, "callTimeout");
    if (callTimeout.isNegative() || callTimeout.isZero()) {
      throw new IllegalArgumentException("callTimeout must be positive, got " + callTimeout);
    }
    if (maxMemoryPages < 1 || maxMemoryPages > 65536) {
      throw new IllegalArgumentException("maxMemoryPages must be within 1..65536, got " + maxMemoryPages);
    }
  }

  public static RuntimeOptions defaults() {
    return new RuntimeOptions(ExecutionMode.COMPILED, DEFAULT_CALL_TIMEOUT, DEFAULT_MAX_MEMORY_PAGES, null);
  }

  public RuntimeOptions withMode(ExecutionMode m) {
    return new RuntimeOptions(m, callTimeout, maxMemoryPages, compiledCodeCacheDir);
  }

  public RuntimeOptions withCallTimeout(Duration t) {
    return new RuntimeOptions(mode, t, maxMemoryPages, compiledCodeCacheDir);
  }

  public RuntimeOptions withMaxMemoryPages(int pages) {
    return new RuntimeOptions(mode, callTimeout, pages, compiledCodeCacheDir);
  }

  public RuntimeOptions withCompiledCodeCacheDir(Path dir) {
    return new RuntimeOptions(mode, callTimeout, maxMemoryPages, dir);
  }
}

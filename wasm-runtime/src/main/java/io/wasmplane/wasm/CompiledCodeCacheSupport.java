package io.wasmplane.wasm;

import com.dylibso.chicory.compiler.Cache;

/** Where the on-disk compiled-code cache plugs into module loading. */
final class CompiledCodeCacheSupport {
  private CompiledCodeCacheSupport() {}

  /** The cache for these options, or null when none is configured. */
  static Cache cache(RuntimeOptions options) {
    return null;
  }
}

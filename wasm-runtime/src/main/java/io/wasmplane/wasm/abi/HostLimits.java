package io.wasmplane.wasm.abi;

/**
 * What one plugin call may make the host hold, so a hostile plugin cannot exhaust the heap between two watchdog
 * polls. Envoy bounds headers by the connection manager's {@code max_request_headers_kb} (at most 8192 KiB) and
 * cpp-host bounds nothing else; these are ours, documented in docs/hostile-plugins.md. A call over a bound gets
 * BAD_ARGUMENT (log messages are cut instead) and changes nothing.
 */
final class HostLimits {
  /** {@code proxy_log}: longer messages are cut, a plugin must not flood the log with megabytes per line. */
  static final int MAX_LOG_MESSAGE_BYTES = 64 * 1024;

  /**
   * A header map the plugin writes to, measured as HTTP/2 measures a header list (RFC 7541 4.1: name + value + 32
   * per entry, so empty entries count too): Envoy's largest {@code max_request_headers_kb}, 8192 KiB.
   */
  static final long MAX_HEADER_MAP_BYTES = 8192L * 1024;

  /** Per-entry overhead of {@link #MAX_HEADER_MAP_BYTES}. */
  static final int HEADER_ENTRY_OVERHEAD = 32;

  /** A body or data buffer after {@code proxy_set_buffer_bytes}. The embedder may bound it lower (returning false). */
  static final long MAX_BUFFER_BYTES = 16L * 1024 * 1024;

  private HostLimits() {}
}

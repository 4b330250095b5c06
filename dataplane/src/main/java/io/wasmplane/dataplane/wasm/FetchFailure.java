package io.wasmplane.dataplane.wasm;

import java.util.Locale;

/**
 * Why one attempt to fetch remote Wasm code failed; each has a counter
 * {@code wasm.remote_load_fetch_failures.<reason>} beside Envoy's total {@code wasm.remote_load_fetch_failures}.
 */
public enum FetchFailure {
  /** http_uri.cluster names no cluster. */
  UNKNOWN_CLUSTER,
  /** No host to connect to, the connection failed or was reset before any body arrived. */
  CONNECTION,
  /** A status other than 200. */
  HTTP_STATUS,
  /** http_uri.timeout passed before the whole body arrived. */
  TIMEOUT,
  /** The body ended (or the connection closed) short of its Content-Length. */
  TRUNCATED,
  /** Larger than the module size limit. */
  TOO_LARGE,
  /** A 200 without a body. */
  EMPTY_BODY,
  /** The body does not hash to the pinned sha256. */
  SHA256_MISMATCH;

  public String statName() {
    return "wasm.remote_load_fetch_failures." + name().toLowerCase(Locale.ROOT);
  }
}

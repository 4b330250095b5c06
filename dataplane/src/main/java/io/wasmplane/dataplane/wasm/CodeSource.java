package io.wasmplane.dataplane.wasm;

import java.time.Duration;

/** vm_config.code, validated: bytes already at hand (local) or a remote module pinned by its sha256. */
public sealed interface CodeSource {
  /** A short description for logs and errors. */
  String describe();

  /** local.filename / inline_bytes / inline_string: read once at validation. */
  record Local(byte[] bytes, String describe) implements CodeSource {}

  /**
   * remote: fetched by GET through {@code cluster} with {@code timeout} per attempt; {@code numRetries} more attempts
   * after the first, with a jittered exponential backoff from {@code baseInterval} up to {@code maxInterval}.
   */
  record Remote(String uri, String cluster, Duration timeout, String sha256, Duration baseInterval, Duration maxInterval,
      int numRetries) implements CodeSource {
    @Override
    public String describe() {
      return uri;
    }
  }
}

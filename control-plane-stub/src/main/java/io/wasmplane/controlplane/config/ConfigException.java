package io.wasmplane.controlplane.config;

/** A rollout file that cannot be used; the message names the file location, field and cause. */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}

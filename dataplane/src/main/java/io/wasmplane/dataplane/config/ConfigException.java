package io.wasmplane.dataplane.config;

/** A bootstrap or resource that cannot be applied; the message names the resource, the field and the cause. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}

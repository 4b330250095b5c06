package io.wasmplane.dataplane.wasm;

/** A plugin could not be prepared; the message is what an xDS NACK or a startup error carries. */
public final class PluginLoadException extends RuntimeException {
  public PluginLoadException(String message) {
    super(message);
  }

  public PluginLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}

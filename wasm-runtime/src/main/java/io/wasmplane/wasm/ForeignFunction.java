package io.wasmplane.wasm;

/**
 * A host function a plugin reaches by name through {@code proxy_call_foreign_function} (Envoy's foreign functions).
 * Implementations must be thread-safe: every VM shares one instance.
 */
@FunctionalInterface
public interface ForeignFunction {
  /** Returns the result bytes handed back to the plugin; throws {@link Failure} to answer a non-OK status. */
  byte[] call(byte[] arguments) throws Failure;

  /** A foreign function's refusal, carried to the plugin as {@link #status()}. */
  final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    private final Status status;

    public Failure(Status status, String message) {
      super(message);
      this.status = status;
    }

    public Status status() {
      return status;
    }
  }
}

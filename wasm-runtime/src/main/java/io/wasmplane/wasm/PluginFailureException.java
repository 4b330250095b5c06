package io.wasmplane.wasm;

/**
 * A plugin callback failed: the plugin trapped, ran past the call timeout, hit its memory limit, called
 * {@code proc_exit}, or its allocator failed. The VM is then in {@link FailState#RUNTIME_ERROR} and every later
 * callback on it throws this at once with {@link Kind#VM_FAILED}. The embedder applies the failure policy.
 */
public class PluginFailureException extends RuntimeException {
  /** What went wrong. */
  public enum Kind {
    /** A Wasm trap: unreachable, out-of-bounds access, integer divide by zero, ... */
    TRAP,
    /** The callback ran past {@link RuntimeOptions#callTimeout()} and was interrupted. */
    TIMEOUT,
    /** The thread was interrupted by someone other than the watchdog. */
    INTERRUPTED,
    /** The plugin failed while its linear memory was at the configured page limit. */
    MEMORY_LIMIT,
    /** The call stack was exhausted (runaway recursion). */
    STACK_EXHAUSTED,
    /** The plugin called WASI {@code proc_exit}. */
    PROC_EXIT,
    /** The plugin's allocator returned 0 or a pointer outside its memory where no status could report it. */
    ALLOCATION_FAILED,
    /** The plugin called a host function not allowed at this point (e.g. during start-up). */
    RESTRICTED_CALL,
    /** The VM had already failed; no plugin code ran. */
    VM_FAILED,
    /** A bug in the host or the embedder's callbacks threw while serving the plugin. */
    HOST_ERROR
  }

  private final Kind kind;
  private final String pluginName;
  private final String callback;

  public PluginFailureException(Kind kind, String pluginName, String callback, String message, Throwable cause) {
    super(describe(kind, pluginName, callback, message), cause);
    this.kind = kind;
    this.pluginName = pluginName;
    this.callback = callback;
  }

  private static String describe(Kind kind, String pluginName, String callback, String message) {
    return "plugin '" + pluginName + "' failed in " + callback + " (" + kind + "): " + message;
  }

  public Kind kind() {
    return kind;
  }

  public String pluginName() {
    return pluginName;
  }

  public String callback() {
    return callback;
  }
}

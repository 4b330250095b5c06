package io.wasmplane.wasm.host;

import io.wasmplane.wasm.LogLevel;
import io.wasmplane.wasm.Status;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * What the embedder gives one VM: the thread it lives on and the outside world (upstream calls, logs). One VM is
 * one Chicory instance and is single-threaded; the embedder creates one per (vm_id, worker).
 */
public interface VmHost {
  /**
   * The VM's own thread (a worker event loop). Ticks, http-call and gRPC responses and queue notifications are run
   * on it; the runtime never calls into the VM from any other thread after start-up.
   */
  ScheduledExecutorService executor();

  /**
   * Starts an HTTP call to the upstream named in the request. Returns BAD_ARGUMENT for an unknown upstream. On OK,
   * {@code onResponse} must be called exactly once, from any thread (the runtime hops to {@link #executor()}).
   */
  default Status httpCall(HttpCallRequest request, Consumer<HttpCallResponse> onResponse) {
    return Status.UNIMPLEMENTED;
  }

  /**
   * Starts a gRPC unary call ({@code request.message() != null}) or stream. Returns null for an unknown upstream
   * (the plugin gets BAD_ARGUMENT). Callbacks may come from any thread.
   */
  default GrpcStream grpcCall(GrpcCallRequest request, GrpcCallbacks callbacks) {
    return null;
  }

  /** A log line from the plugin (proxy_log, or WASI fd_write: fd 1 at INFO, fd 2 at ERROR). */
  void log(String pluginName, LogLevel level, String message);

  /** The level below which the plugin's log calls are dropped ({@code proxy_get_log_level}). */
  LogLevel logLevel();

  /**
   * A callback failed the VM (trap, timeout, memory limit, proc_exit...), whoever called it: a filter, a tick, an
   * http-call response, a queue notification. Called once per VM failure, on the VM's thread, after it was logged;
   * later callbacks on the failed VM throw {@code VM_FAILED} without calling this again.
   */
  default void onFailure(io.wasmplane.wasm.PluginFailureException failure) {}
}

package io.wasmplane.wasm.host;

import io.wasmplane.wasm.LogLevel;
import io.wasmplane.wasm.PluginFailureException;
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
   * The VM just failed in a plugin callback (trap, timeout, memory limit, proc_exit, ...), whichever callback it was:
   * a stream's, or a tick, call response or queue notification no stream sees. Called once per VM, on its thread,
   * after the failing call unwound; the runtime has already logged it. For the embedder's stats.
   */
  default void vmFailed(PluginFailureException failure) {}
}

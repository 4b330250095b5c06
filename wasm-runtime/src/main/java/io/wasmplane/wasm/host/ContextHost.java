package io.wasmplane.wasm.host;

import io.wasmplane.wasm.BufferType;
import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.Status;
import io.wasmplane.wasm.StreamType;
import java.util.List;

/**
 * What the embedder gives one plugin context (a root context, an HTTP stream or a connection): the stream's header
 * maps and buffers, local replies, stream control and properties. Every method has a default that says "not here",
 * so a root context's host can be an empty implementation.
 *
 * <p>All methods are called on the VM's thread, from inside a plugin callback. They must not do I/O or block:
 * actions such as a local reply or a continue are recorded and carried out after the callback returns (as Envoy's
 * DeferAfterCallActions does), because the watchdog may interrupt the thread while plugin code runs.
 *
 * <p>Maps and buffers the runtime owns itself (VM/plugin configuration, http-call responses, gRPC messages and
 * metadata, foreign-function arguments) never reach these methods.
 */
public interface ContextHost {
  /**
   * The map of this type for this context, or null when it does not exist here (the plugin gets BAD_ARGUMENT, as
   * from Envoy; reading its pairs gives an empty map).
   */
  default HeaderMap headerMap(MapType type) {
    return null;
  }

  /** The buffer of this type for this context, or null when it does not exist here (NOT_FOUND). */
  default Buffer buffer(BufferType type) {
    return null;
  }

  default Status sendLocalResponse(LocalResponse response) {
    return Status.UNIMPLEMENTED;
  }

  default Status continueStream(StreamType type) {
    return Status.UNIMPLEMENTED;
  }

  default Status closeStream(StreamType type) {
    return Status.UNIMPLEMENTED;
  }

  /**
   * The value of an Envoy property (path segments as the plugin split them with NUL, e.g. ["request", "path"]),
   * already in Envoy's binary encoding (see {@code io.wasmplane.wasm.PropertyEncoding}), or null when unknown.
   * The runtime answers {@code plugin_name}, {@code plugin_root_id}, {@code plugin_vm_id} and properties the
   * plugin set itself before asking here.
   */
  default byte[] property(List<String> path) {
    return null;
  }
}

package io.wasmplane.wasm.abi;

import io.wasmplane.wasm.AbiVersion;
import java.util.List;

/**
 * The plugin exports the host calls, with the parameter counts each ABI binds them with (all parameters are i32)
 * and whether they return an i32. Export names in {@link #names} are tried in order (spec name first, then the
 * aliases SDKs used in the wild).
 */
public enum Callback {
  ON_CONTEXT_CREATE(false, 2, 2, "proxy_on_context_create"),
  ON_VM_START(true, 2, 2, "proxy_on_vm_start"),
  ON_CONFIGURE(true, 2, 2, "proxy_on_configure"),
  ON_TICK(false, 1, 1, "proxy_on_tick"),
  ON_DONE(true, 1, 1, "proxy_on_done"),
  ON_LOG(false, 1, 1, "proxy_on_log"),
  ON_DELETE(false, 1, 1, "proxy_on_delete"),
  ON_NEW_CONNECTION(true, 1, 1, "proxy_on_new_connection"),
  ON_DOWNSTREAM_DATA(true, 3, 3, "proxy_on_downstream_data"),
  ON_DOWNSTREAM_CONNECTION_CLOSE(false, 2, 2, "proxy_on_downstream_connection_close"),
  ON_UPSTREAM_DATA(true, 3, 3, "proxy_on_upstream_data"),
  ON_UPSTREAM_CONNECTION_CLOSE(false, 2, 2, "proxy_on_upstream_connection_close"),
  /** 0.1.0 binds (ctx, headers) and 0.2.x (ctx, headers, end_of_stream); 0.1.0 modules in the wild use either. */
  ON_REQUEST_HEADERS(true, 2, 3, "proxy_on_request_headers"),
  ON_REQUEST_BODY(true, 3, 3, "proxy_on_request_body"),
  ON_REQUEST_TRAILERS(true, 2, 2, "proxy_on_request_trailers"),
  ON_RESPONSE_HEADERS(true, 2, 3, "proxy_on_response_headers"),
  ON_RESPONSE_BODY(true, 3, 3, "proxy_on_response_body"),
  ON_RESPONSE_TRAILERS(true, 2, 2, "proxy_on_response_trailers"),
  ON_HTTP_CALL_RESPONSE(false, 5, 5, "proxy_on_http_call_response"),
  ON_GRPC_RECEIVE_INITIAL_METADATA(false, 3, 3, "proxy_on_grpc_receive_initial_metadata"),
  ON_GRPC_RECEIVE(false, 3, 3, "proxy_on_grpc_receive"),
  ON_GRPC_RECEIVE_TRAILING_METADATA(false, 3, 3, "proxy_on_grpc_receive_trailing_metadata",
      "proxy_on_grpc_trailing_metadata", "proxy_on_grpc_create_initial_metadata"),
  ON_GRPC_CLOSE(false, 3, 3, "proxy_on_grpc_close"),
  ON_QUEUE_READY(false, 2, 2, "proxy_on_queue_ready"),
  ON_FOREIGN_FUNCTION(false, 3, 3, "proxy_on_foreign_function"),
  /** Envoy's stats-sink extension. */
  ENVOY_ON_STATS_UPDATE(false, 2, 2, "envoy_on_stats_update"),
  /** Allocators: Envoy's engine looks for {@code malloc} first, then {@code proxy_on_memory_allocate}. */
  MALLOC(true, 1, 1, "malloc"),
  ON_MEMORY_ALLOCATE(true, 1, 1, "proxy_on_memory_allocate");

  private final boolean returnsI32;
  private final int minParams;
  private final int maxParams;
  private final List<String> names;
  private final String exportName;

  Callback(boolean returnsI32, int minParams, int maxParams, String... names) {
    this.returnsI32 = returnsI32;
    this.minParams = minParams;
    this.maxParams = maxParams;
    this.names = List.of(names);
    this.exportName = names[0];
  }

  public List<String> names() {
    return names;
  }

  /** The spec's name, used in errors and logs (the module may export an alias). */
  public String exportName() {
    return exportName;
  }

  boolean returnsI32() {
    return returnsI32;
  }

  /** Whether {@code params} i32 parameters fit this callback under {@code abi}. */
  boolean acceptsParams(AbiVersion abi, int params) {
    if (this == ON_REQUEST_HEADERS || this == ON_RESPONSE_HEADERS) {
      return params == 3 || (params == 2 && abi == AbiVersion.V0_1_0);
    }
    return params >= minParams && params <= maxParams;
  }
}

package io.wasmplane.xds;

/** Per-resource status as shown in config dumps (a subset of Envoy's ClientResourceStatus). */
public enum ClientStatus {
  /** Subscribed, nothing received yet. */
  REQUESTED,
  /** The last update was accepted. */
  ACKED,
  /** The last update was rejected; the previous accepted version (if any) is still served. */
  NACKED,
  /** Removed by the server, or not received within initial_fetch_timeout. */
  DOES_NOT_EXIST
}

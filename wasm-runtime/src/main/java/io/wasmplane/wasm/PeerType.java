package io.wasmplane.wasm;

/** {@code proxy_peer_type_t}: who closed a connection, passed to the connection-close callbacks. */
public enum PeerType {
  UNKNOWN,
  LOCAL,
  REMOTE
}

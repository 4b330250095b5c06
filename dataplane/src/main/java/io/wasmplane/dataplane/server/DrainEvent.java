package io.wasmplane.dataplane.server;

/** Fired into every downstream connection when the server starts draining: finish what is running, then close. */
enum DrainEvent {
  INSTANCE
}

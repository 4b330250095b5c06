package io.wasmplane.dataplane.server;

import io.wasmplane.dataplane.stats.Histogram;

/** Times a downstream connection from accept to close into the listener's (and the HCM's) downstream_cx_length_ms. */
final class ConnectionLength {
  private final long openedNanos = System.nanoTime();
  private final Histogram listener;
  private final Histogram hcm;

  /** {@code hcm} may be null (a TCP proxy listener has no connection manager). */
  ConnectionLength(Histogram listener, Histogram hcm) {
    this.listener = listener;
    this.hcm = hcm;
  }

  void closed() {
    long ms = (System.nanoTime() - openedNanos) / 1_000_000;
    listener.record(ms);
    if (hcm != null) {
      hcm.record(ms);
    }
  }
}

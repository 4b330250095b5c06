package io.wasmplane.dataplane.router;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's fully jittered exponential back-off: the n-th delay is uniform in [0, min(base * 2^(n-1), max)). One per
 * stream, single-threaded.
 */
final class JitteredBackOff {
  private final long maxMs;
  private long intervalMs;

  JitteredBackOff(long baseMs, long maxMs) {
    this.intervalMs = Math.max(1, baseMs);
    this.maxMs = Math.max(this.intervalMs, maxMs);
  }

  long nextMs() {
    long bound = intervalMs;
    intervalMs = intervalMs < maxMs / 2 ? intervalMs * 2 : maxMs;
    return ThreadLocalRandom.current().nextLong(bound);
  }
}

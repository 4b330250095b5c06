package io.wasmplane.wasm.wasi;

import java.time.Instant;

/** The two clocks WASI exposes to plugins; replaceable for tests. */
public interface WasiClock {
  /** Nanoseconds since the Unix epoch (WASI clock 0, REALTIME). */
  long realtimeNanos();

  /** Nanoseconds from an arbitrary origin, never going back (WASI clock 1, MONOTONIC). */
  long monotonicNanos();

  /** The JVM's wall clock and {@link System#nanoTime()}. */
  static WasiClock system() {
    return SystemClock.INSTANCE;
  }

  /** System clocks. The monotonic origin starts at one second so no plugin ever sees 0, a common "unset" value. */
  final class SystemClock implements WasiClock {
    static final SystemClock INSTANCE = new SystemClock();
    private static final long ORIGIN = System.nanoTime() - 1_000_000_000L;

    private SystemClock() {}

    @Override
    public long realtimeNanos() {
      Instant now = Instant.now();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public long monotonicNanos() {
      return System.nanoTime() - ORIGIN;
    }
  }
}

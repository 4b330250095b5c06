package io.wasmplane.wasm.abi;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One daemon thread per runtime that stops plugin calls running past the call timeout. It polls every VM's
 * {@link CallGuard} a few times per timeout period and times the calls itself (the VM thread reads no clock); Chicory
 * honours {@code Thread.interrupt()} at function entries and loop back-edges, so a runaway call stops between its
 * timeout and its timeout plus one poll interval.
 */
public final class Watchdog implements AutoCloseable {
  private final Set<CallGuard> guards = ConcurrentHashMap.newKeySet();
  private final long timeoutNanos;
  private final long pollNanos;
  private final Thread thread;
  private volatile boolean running = true;

  public Watchdog(Duration callTimeout) {
    this.timeoutNanos = callTimeout.toNanos();
    this.pollNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(timeoutNanos / 4, TimeUnit.MILLISECONDS.toNanos(20)));
    this.thread = new Thread(this::run, "wasm-watchdog");
    thread.setDaemon(true);
    thread.start();
  }

  long timeoutNanos() {
    return timeoutNanos;
  }

  void watch(CallGuard guard) {
    guards.add(guard);
  }

  void unwatch(CallGuard guard) {
    guards.remove(guard);
  }

  private void run() {
    while (running) {
      LockSupport.parkNanos(pollNanos);
      long now = System.nanoTime();
      for (CallGuard g : guards) {
        g.check(now);
      }
    }
  }

  @Override
  public void close() {
    running = false;
    LockSupport.unpark(thread);
  }
}

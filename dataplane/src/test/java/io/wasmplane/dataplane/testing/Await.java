package io.wasmplane.dataplane.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Bounded polling for outcomes that arrive asynchronously (a counter, a log line, a listener bound): a test waits for
 * the event itself instead of sleeping for a guessed time, and fails naming what it waited for instead of hanging.
 */
public final class Await {
  public static final Duration TIMEOUT = Duration.ofSeconds(10);

  private Await() {}

  public static void until(String what, Callable<Boolean> condition) throws Exception {
    until(what, TIMEOUT, condition);
  }

  /** Polls every 20 ms; an IOException from the probe (a port not bound yet, a file not written yet) counts as false. */
  public static void until(String what, Duration timeout, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (Boolean.TRUE.equals(condition.call())) {
          return;
        }
      } catch (IOException notYet) {
        // not there yet
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}

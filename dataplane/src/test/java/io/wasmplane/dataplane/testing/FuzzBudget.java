package io.wasmplane.dataplane.testing;

import java.util.Random;

/**
 * Bounds and seeds a fuzz run. Defaults keep it to a few seconds for {@code make test}; {@code -Dwasmplane.fuzz.seconds}
 * (and {@code -Dwasmplane.fuzz.max_cases}) run it longer (soak), {@code -Dwasmplane.fuzz.seed} replays a failure.
 */
public final class FuzzBudget {
  public final long seed;
  public final Random random;
  private final long deadline;
  private final int maxCases;
  private int cases;

  private FuzzBudget(long seed, double seconds, int maxCases) {
    this.seed = seed;
    this.random = new Random(seed);
    this.deadline = System.nanoTime() + (long) (seconds * 1e9);
    this.maxCases = maxCases;
  }

  /** {@code defaultSeconds} / {@code defaultMaxCases} unless the system properties say otherwise. */
  public static FuzzBudget of(double defaultSeconds, int defaultMaxCases) {
    long seed = Long.getLong("wasmplane.fuzz.seed", 20261203L);
    double seconds = Double.parseDouble(System.getProperty("wasmplane.fuzz.seconds", Double.toString(defaultSeconds)));
    int max = Integer.getInteger("wasmplane.fuzz.max_cases", System.getProperty("wasmplane.fuzz.seconds") == null
        ? defaultMaxCases : Integer.MAX_VALUE);
    return new FuzzBudget(seed, seconds, max);
  }

  /** True while there is budget for one more case (always at least one). */
  public boolean next() {
    if (cases > 0 && (cases >= maxCases || System.nanoTime() > deadline)) {
      return false;
    }
    cases++;
    return true;
  }

  public int cases() {
    return cases;
  }

  /** What to put in an assertion message so a failure can be replayed. */
  public String replay() {
    return "case " + cases + " (replay with -Dwasmplane.fuzz.seed=" + seed + ")";
  }
}

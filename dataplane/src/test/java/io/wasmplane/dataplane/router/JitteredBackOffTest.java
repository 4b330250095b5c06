package io.wasmplane.dataplane.router;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Envoy's jittered exponential back-off: retry n waits uniformly in [0, min(base * 2^(n-1), max)). */
class JitteredBackOffTest {
  @Test
  void eachDelayStaysUnderADoublingCeilingCappedAtTheMax() {
    long[] ceilings = {25, 50, 100, 200, 250, 250, 250};
    long[] largest = new long[ceilings.length];
    for (int run = 0; run < 2000; run++) {
      JitteredBackOff b = new JitteredBackOff(25, 250);
      for (int n = 0; n < ceilings.length; n++) {
        long d = b.nextMs();
        assertThat(d).as("retry %d", n + 1).isBetween(0L, ceilings[n] - 1);
        largest[n] = Math.max(largest[n], d);
      }
    }
    // Fully jittered: over 2000 runs each ceiling is approached (a fixed or halved delay would not get there).
    for (int n = 0; n < ceilings.length; n++) {
      assertThat(largest[n]).as("retry %d", n + 1).isGreaterThanOrEqualTo(ceilings[n] * 9 / 10);
    }
  }
}

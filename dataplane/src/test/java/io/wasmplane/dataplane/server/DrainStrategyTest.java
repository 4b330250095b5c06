package io.wasmplane.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The two drain strategies' decisions: when a response closes its connection, when a connection is told to drain. */
class DrainStrategyTest {
  private static final long DRAIN = 10_000_000_000L; // 10 s in nanoseconds

  @Test
  void immediateAsksEveryResponseAndEveryConnectionAtOnce() {
    assertThat(DrainStrategy.IMMEDIATE.encouragesClose(0, DRAIN)).isTrue();
    assertThat(DrainStrategy.IMMEDIATE.notifyDelayMillis(10_000)).isZero();
  }

  @Test
  void gradualClosesWithProbabilityElapsedOverDrainTime() {
    assertThat(DrainStrategy.GRADUAL.encouragesClose(0, DRAIN)).isFalse();
    assertThat(DrainStrategy.GRADUAL.encouragesClose(DRAIN, DRAIN)).isTrue();
    assertThat(DrainStrategy.GRADUAL.encouragesClose(2 * DRAIN, DRAIN)).isTrue();
    for (double share : new double[] {0.1, 0.5, 0.9}) {
      int closes = 0;
      int n = 20_000;
      for (int i = 0; i < n; i++) {
        closes += DrainStrategy.GRADUAL.encouragesClose((long) (share * DRAIN), DRAIN) ? 1 : 0;
      }
      // 20 000 draws: the standard deviation of the share is under 0.4 %; 2 % is over five of them.
      assertThat((double) closes / n).as("share closed at %.0f%% of the drain time", share * 100).isBetween(share - 0.02, share + 0.02);
    }
  }

  @Test
  void gradualSpreadsConnectionNotificationsOverTheDrainTime() {
    long sum = 0;
    int early = 0;
    int n = 10_000;
    for (int i = 0; i < n; i++) {
      long d = DrainStrategy.GRADUAL.notifyDelayMillis(10_000);
      assertThat(d).isBetween(0L, 9_999L);
      sum += d;
      early += d < 1_000 ? 1 : 0;
    }
    assertThat(sum / n).as("mean delay of a uniform spread over 10 s").isBetween(4_700L, 5_300L);
    assertThat(early).as("told in the first second").isBetween(800, 1_200);
    assertThat(DrainStrategy.GRADUAL.notifyDelayMillis(0)).isZero();
  }

  @Test
  void parsesEnvoysCommandLineSpelling() {
    assertThat(DrainStrategy.parse("gradual")).isEqualTo(DrainStrategy.GRADUAL);
    assertThat(DrainStrategy.parse("Immediate")).isEqualTo(DrainStrategy.IMMEDIATE);
    assertThat(DrainStrategy.parse("slow")).isNull();
  }
}

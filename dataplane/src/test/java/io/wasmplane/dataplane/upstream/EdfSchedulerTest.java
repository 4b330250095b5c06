package io.wasmplane.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/** Envoy's EDF scheduler: weighted shares, interleaving, FIFO ties and weights read again at every pick. */
class EdfSchedulerTest {
  private static List<Integer> picks(EdfScheduler s, IntToDoubleFunction weights, int n) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(s.pickAndAdd(weights));
    }
    return out;
  }

  @Test
  void equalWeightsRotateInOrder() {
    IntToDoubleFunction one = i -> 1;
    assertThat(picks(new EdfScheduler(3, one), one, 7)).containsExactly(0, 1, 2, 0, 1, 2, 0);
  }

  @Test
  void oneToThreeIsExactInEveryCycleAndInterleaved() {
    IntToDoubleFunction w = i -> i == 0 ? 1 : 3;
    List<Integer> p = picks(new EdfScheduler(2, w), w, 400);
    for (int cycle = 0; cycle < 100; cycle++) {
      assertThat(p.subList(cycle * 4, cycle * 4 + 4)).containsExactlyInAnyOrder(0, 1, 1, 1);
    }
    // Deadlines 1/3, 2/3, then 1: a tie with entry 0's first deadline, which goes first as it was scheduled first.
    assertThat(p.subList(0, 3)).containsExactly(1, 1, 0);
  }

  @Test
  void sharesFollowTheWeightsOverManyEntries() {
    int n = 50;
    IntToDoubleFunction w = i -> i + 1; // 1..50, total 1275
    EdfScheduler s = new EdfScheduler(n, w);
    int[] count = new int[n];
    for (int i = 0; i < 1275 * 4; i++) {
      count[s.pickAndAdd(w)]++;
    }
    for (int i = 0; i < n; i++) {
      assertThat(count[i]).as("entry %d", i).isBetween(4 * (i + 1) - 1, 4 * (i + 1) + 1);
    }
  }

  @Test
  void aWeightThatDropsAtPickTimeSlowsItsEntryDown() {
    // Least request: an entry is scheduled again with its weight at the moment it is picked.
    int[] active = new int[2];
    IntToDoubleFunction w = i -> (i == 0 ? 1.0 : 3.0) / (active[i] + 1);
    EdfScheduler s = new EdfScheduler(2, w);
    int[] count = new int[2];
    for (int i = 0; i < 40; i++) {
      int e = s.pickAndAdd(w);
      count[e]++;
      if (e == 1) {
        active[1]++; // entry 1's requests never finish; entry 0's do at once
      }
    }
    // Entry 1's k-th pick is due at 1/3 + 2/3 + ... + k/3 = k(k+1)/6, entry 0's n-th at n: by time 27, 13 and 27
    // picks (entry 1 would take 30 of 40 at its static weight).
    assertThat(count).containsExactly(27, 13);
  }
}

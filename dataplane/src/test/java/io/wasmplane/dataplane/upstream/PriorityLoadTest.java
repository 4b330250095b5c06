package io.wasmplane.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Envoy's priority load against the examples of its "Priority levels", "Degraded endpoints" and "Panic threshold"
 * architecture docs (overprovisioning 1.4). The priority and degraded examples leave panic aside (threshold 0: with
 * Envoy's default 50 %, levels 25 % healthy would be in panic); the panic ones use 50 %. Each level has 100 hosts, so
 * a count is a percentage.
 * Where the docs round real ratios (25/25/20 %, 5/65 %), Envoy's integer arithmetic gives the rounding remainder to the
 * first available level; the expectations follow that arithmetic.
 */
class PriorityLoadTest {
  private static final int OVERPROVISIONING = 140;
  private static final int PANIC = 50;

  @Test
  void twoLevelsWithAFullyHealthyP1() {
    assertThat(healthyLoads(100, 100)).containsExactly(100, 0);
    assertThat(healthyLoads(72, 100)).containsExactly(100, 0);
    assertThat(healthyLoads(71, 100)).containsExactly(99, 1);
    assertThat(healthyLoads(50, 100)).containsExactly(70, 30);
    assertThat(healthyLoads(25, 100)).containsExactly(35, 65);
    assertThat(healthyLoads(0, 100)).containsExactly(0, 100);
  }

  @Test
  void twoLevelsNormalizedWhenTheirHealthDoesNotAddUpTo100() {
    assertThat(healthyLoads(72, 72)).containsExactly(100, 0);
    assertThat(healthyLoads(71, 71)).containsExactly(99, 1);
    assertThat(healthyLoads(50, 60)).containsExactly(70, 30);
    assertThat(healthyLoads(25, 100)).containsExactly(35, 65);
    assertThat(healthyLoads(25, 25)).containsExactly(50, 50);
  }

  @Test
  void threeLevels() {
    assertThat(healthyLoads(100, 100, 100)).containsExactly(100, 0, 0);
    assertThat(healthyLoads(72, 72, 100)).containsExactly(100, 0, 0);
    assertThat(healthyLoads(71, 71, 100)).containsExactly(99, 1, 0);
    assertThat(healthyLoads(50, 50, 100)).containsExactly(70, 30, 0);
    assertThat(healthyLoads(25, 100, 100)).containsExactly(35, 65, 0);
    assertThat(healthyLoads(25, 25, 100)).containsExactly(35, 35, 30);
    // Health 35/35/28 normalized by 98: 35, 35, 28 and the 2 % left over to P0 (the docs show 36/36/28).
    assertThat(healthyLoads(25, 25, 20)).containsExactly(37, 35, 28);
  }

  @Test
  void degradedHostsTakeWhatTheHealthyOnesOfTheirLevelCannot() {
    assertThat(degradedExample(100, 0)).containsExactly(100, 0);
    assertThat(degradedExample(71, 0)).containsExactly(100, 0);
    assertThat(degradedExample(71, 29)).containsExactly(99, 1);
    assertThat(degradedExample(25, 65)).containsExactly(35, 65);
    assertThat(degradedExample(5, 0)).containsExactly(100, 0);
  }

  @Test
  void healthyLoadsOfAllLevelsComeBeforeDegradedOnes() {
    // Envoy's own example: health 10/20/10 %, degraded 20/10/0 % of each level.
    PriorityLoad l = PriorityLoad.of(List.of(counts(10, 20), counts(20, 10), counts(10, 0)), OVERPROVISIONING, 0);
    assertThat(l.healthy()).containsExactly(16, 28, 14);
    assertThat(l.degraded()).containsExactly(28, 14, 0);
  }

  @Test
  void panicOnlyWhenAllLevelsTogetherAreShortAndPerLevel() {
    PriorityLoad covered = PriorityLoad.of(List.of(counts(5, 0), counts(100, 0)), OVERPROVISIONING, PANIC);
    assertThat(covered.panic()).containsExactly(false, false); // normalized total 100 %: no panic at all
    PriorityLoad shortOfHosts = PriorityLoad.of(List.of(counts(5, 0), counts(65, 0)), OVERPROVISIONING, PANIC);
    assertThat(shortOfHosts.panic()).containsExactly(true, false);
    assertThat(shortOfHosts.healthy()).containsExactly(8, 92); // docs: 7/93 (rounded ratios)
    PriorityLoad total = PriorityLoad.of(List.of(new PriorityLoad.Counts(2, 0, 0, 0), new PriorityLoad.Counts(6, 0, 1, 0)),
        OVERPROVISIONING, PANIC);
    assertThat(total.panic()).containsExactly(true, true);
    assertThat(total.healthy()).containsExactly(25, 75); // by host count: 2 and 6 of 8
    // The docs' 25 %/25 % example with the default threshold: both levels panic, and split by host count.
    assertThat(PriorityLoad.of(List.of(counts(25, 0), counts(25, 0)), OVERPROVISIONING, PANIC).panic()).containsExactly(true, true);
  }

  @Test
  void noPanicThresholdAndNoHostLeftSendsEverythingToP0() {
    PriorityLoad l = PriorityLoad.of(List.of(counts(0, 0), counts(0, 0)), OVERPROVISIONING, 0);
    assertThat(l.healthy()).containsExactly(100, 0);
    assertThat(l.panic()).containsExactly(false, false);
  }

  @Test
  void excludedHostsDoNotCountAndOverprovisioningIsConfigurable() {
    // P0 {healthy, excluded, excluded}, P1 all healthy: P0 is fully healthy (1 of 1 counted host).
    PriorityLoad l = PriorityLoad.of(List.of(new PriorityLoad.Counts(3, 2, 1, 0), counts(100, 0)), OVERPROVISIONING, PANIC);
    assertThat(l.healthy()).containsExactly(100, 0);
    // Factor 100 (no overprovisioning): 80 % healthy P0 takes 80 %.
    assertThat(PriorityLoad.of(List.of(counts(80, 0), counts(100, 0)), 100, PANIC).healthy()).containsExactly(80, 20);
  }

  private static int[] healthyLoads(int... healthyPercent) {
    List<PriorityLoad.Counts> levels = Arrays.stream(healthyPercent).mapToObj(h -> counts(h, 0)).toList();
    PriorityLoad l = PriorityLoad.of(levels, OVERPROVISIONING, 0);
    assertThat(Arrays.stream(l.healthy()).sum() + Arrays.stream(l.degraded()).sum()).isEqualTo(100);
    return l.healthy();
  }

  /** P0 only: its healthy load and degraded load. */
  private static int[] degradedExample(int healthy, int degraded) {
    PriorityLoad l = PriorityLoad.of(List.of(counts(healthy, degraded)), OVERPROVISIONING, 0);
    return new int[] {l.healthy()[0], l.degraded()[0]};
  }

  private static PriorityLoad.Counts counts(int healthy, int degraded) {
    return new PriorityLoad.Counts(100, 0, healthy, degraded);
  }
}

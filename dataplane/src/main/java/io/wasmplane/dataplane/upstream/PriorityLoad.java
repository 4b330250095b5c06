package io.wasmplane.dataplane.upstream;

import java.util.Arrays;
import java.util.List;

/**
 * Envoy's priority load: which percentage of requests each priority level's healthy hosts and degraded hosts take, and
 * which levels are in panic. A level's health is min(100, overprovisioning factor x healthy / non-excluded hosts), its
 * degraded availability likewise; healthy loads are handed out from P0 down until 100 % is covered, then degraded
 * loads, all scaled up when the levels together are below 100 % (normalized total availability). Below 100 %, a level
 * whose healthy + degraded share is under the panic threshold balances over all its hosts; when every level panics,
 * levels take load by their host counts.
 */
record PriorityLoad(int[] healthy, int[] degraded, boolean[] panic) {

  /** One level's host counts: {@code total} includes {@code excluded} hosts, which count only when in panic. */
  record Counts(int total, int excluded, int healthy, int degraded) {}

  static PriorityLoad of(List<Counts> levels, int overprovisioningFactor, int panicThresholdPercent) {
    int n = levels.size();
    int[] health = new int[n];
    int[] degradedAvailability = new int[n];
    for (int i = 0; i < n; i++) {
      Counts c = levels.get(i);
      int counted = c.total() - c.excluded();
      if (counted > 0) {
        health[i] = (int) Math.min(100, (long) overprovisioningFactor * c.healthy() / counted);
        degradedAvailability[i] = (int) Math.min(100, (long) overprovisioningFactor * c.degraded() / counted);
      }
    }
    int normalizedTotal = (int) Math.min(100, Arrays.stream(health).asLongStream().sum() + Arrays.stream(degradedAvailability).sum());
    int[] healthyLoad = new int[n];
    int[] degradedLoad = new int[n];
    if (normalizedTotal > 0) {
      int firstHealthy = distribute(healthyLoad, health, 100, normalizedTotal);
      int left = 100 - Arrays.stream(healthyLoad).sum();
      int firstDegraded = distribute(degradedLoad, degradedAvailability, left, normalizedTotal);
      int rounding = left - Arrays.stream(degradedLoad).sum();
      if (rounding > 0) { // integer division leaves a few percent: the first available level takes them
        if (firstHealthy >= 0) {
          healthyLoad[firstHealthy] += rounding;
        } else {
          degradedLoad[firstDegraded] += rounding;
        }
      }
    }
    boolean[] panic = new boolean[n];
    if (normalizedTotal == 0 && panicThresholdPercent == 0) {
      healthyLoad[0] = 100; // nothing to route to and no panic: P0 takes the load and finds no host
      return new PriorityLoad(healthyLoad, degradedLoad, panic);
    }
    boolean totalPanic = true;
    for (int i = 0; i < n; i++) {
      panic[i] = normalizedTotal < 100 && inPanic(levels.get(i), panicThresholdPercent);
      totalPanic &= panic[i];
    }
    if (totalPanic) {
      byHostCount(levels, healthyLoad, degradedLoad);
    }
    return new PriorityLoad(healthyLoad, degradedLoad, panic);
  }

  /** Fills {@code load} from P0 down with each level's share of {@code total}; returns the first available level. */
  private static int distribute(int[] load, int[] availability, int total, int normalizedTotal) {
    int first = -1;
    for (int i = 0; i < availability.length; i++) {
      if (first < 0 && availability[i] > 0) {
        first = i;
      }
      load[i] = Math.min(total, availability[i] * 100 / normalizedTotal);
      total -= load[i];
    }
    return first;
  }

  private static boolean inPanic(Counts c, int thresholdPercent) {
    int counted = c.total() - c.excluded();
    double usable = counted == 0 ? 0 : 100.0 * (c.healthy() + c.degraded()) / counted;
    return usable < thresholdPercent;
  }

  /** Total panic: each level's load is its share of all hosts (health ignored); the rounding goes to the first one. */
  private static void byHostCount(List<Counts> levels, int[] healthyLoad, int[] degradedLoad) {
    Arrays.fill(degradedLoad, 0);
    long hosts = levels.stream().mapToLong(Counts::total).sum();
    if (hosts == 0) {
      Arrays.fill(healthyLoad, 0);
      healthyLoad[0] = 100;
      return;
    }
    int left = 100;
    int first = -1;
    for (int i = 0; i < levels.size(); i++) {
      int t = levels.get(i).total();
      if (first < 0 && t > 0) {
        first = i;
      }
      healthyLoad[i] = (int) (100L * t / hosts);
      left -= healthyLoad[i];
    }
    healthyLoad[first] += left;
  }
}

package io.wasmplane.dataplane.upstream;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntToDoubleFunction;

/**
 * Weighted picks over hosts of unequal load_balancing_weight with an {@link EdfScheduler} per worker, as Envoy's
 * weighted round robin and weighted least request do. Each worker's schedule starts after a random number of picks,
 * so the workers do not all send their first requests to the same host (Envoy seeds its schedulers likewise).
 */
final class EdfPicker implements HostPicker {
  private final UpstreamHost[] hosts;
  private final IntToDoubleFunction weightOf;
  private final WorkerSlots<EdfScheduler> schedulers;

  private EdfPicker(List<UpstreamHost> hosts, WeightFunction weight) {
    this.hosts = hosts.toArray(UpstreamHost[]::new);
    double[] weights = new double[this.hosts.length]; // the weights as of this host set: an EDS update rebuilds
    for (int i = 0; i < weights.length; i++) {
      weights[i] = this.hosts[i].weight();
    }
    this.weightOf = i -> weight.of(weights[i], this.hosts[i]);
    this.schedulers = new WorkerSlots<>(() -> {
      EdfScheduler s = new EdfScheduler(weights.length, weightOf);
      for (int n = ThreadLocalRandom.current().nextInt(weights.length); n > 0; n--) {
        s.pickAndAdd(weightOf);
      }
      return s;
    });
  }

  /** Weighted round robin: each host's share is its weight's. */
  static EdfPicker weighted(List<UpstreamHost> hosts) {
    return new EdfPicker(hosts, (w, h) -> w);
  }

  /**
   * Weighted least request ({@code bias} 0: weighted round robin) with slow start: each weight scaled by
   * {@code slowStart} at the time of the pick (Envoy re-weighs a host each time it is scheduled again).
   */
  static EdfPicker slowStarting(List<UpstreamHost> hosts, double bias, SlowStart slowStart) {
    WeightFunction base = leastRequestWeight(bias);
    return new EdfPicker(hosts, (w, h) -> slowStart.weigh(base.of(w, h), h, System.nanoTime()));
  }

  /**
   * Weighted least request: a host is scheduled again with weight / (its active requests + 1)^{@code bias} at the
   * time it is picked (bias 0: plain weighted round robin).
   */
  static EdfPicker leastRequest(List<UpstreamHost> hosts, double bias) {
    return new EdfPicker(hosts, leastRequestWeight(bias));
  }

  private static WeightFunction leastRequestWeight(double bias) {
    if (bias == 0) {
      return (w, h) -> w;
    }
    if (bias == 1) {
      return (w, h) -> w / (Math.max(0, h.activeRequests()) + 1.0);
    }
    return (w, h) -> w / Math.pow(Math.max(0, h.activeRequests()) + 1.0, bias);
  }

  @Override
  public UpstreamHost pick() {
    return hosts[schedulers.get().pickAndAdd(weightOf)];
  }

  @FunctionalInterface
  private interface WeightFunction {
    double of(double weight, UpstreamHost host);
  }
}

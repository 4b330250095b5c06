package io.wasmplane.dataplane.upstream;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Picks a locality by its effective weight, lock-free and deterministic: a worker's k-th pick takes the point
 * frac(k x golden ratio) of the cumulative weights (a low-discrepancy sequence), so over n picks every locality's
 * count is within a few picks of n x its share, in an interleaved order like Envoy's EDF scheduler. Each worker
 * counts its own picks (Envoy's schedulers are per worker too), so workers share no counter.
 */
final class LocalityPicker {
  /** 2^64 / golden ratio: frac(k x this / 2^64) walks [0, 1) evenly. */
  private static final long GOLDEN = 0x9E37_79B9_7F4A_7C15L;

  /**
   * One locality's hosts a request balances over, the round robin over them (equal weights), and the weighted round
   * robin or least request picker (null where the policy needs none).
   */
  record Choice(List<UpstreamHost> hosts, AtomicInteger roundRobin, HostPicker picker) {}

  private final Choice[] choices;
  /** cumulative[i]: the effective weights of localities 0..i added up. */
  private final double[] cumulative;
  private final WorkerSlots<long[]> picks = new WorkerSlots<>(() -> new long[1]);

  /** {@code weights[i]} > 0 is the effective weight of {@code hosts.get(i)}, a non-empty list. */
  LocalityPicker(List<List<UpstreamHost>> hosts, double[] weights, Function<List<UpstreamHost>, HostPicker> picking) {
    choices = new Choice[hosts.size()];
    cumulative = new double[hosts.size()];
    double sum = 0;
    for (int i = 0; i < choices.length; i++) {
      choices[i] = new Choice(hosts.get(i), new AtomicInteger(), picking.apply(hosts.get(i)));
      sum += weights[i];
      cumulative[i] = sum;
    }
  }

  Choice next() {
    long[] count = picks.get();
    long u = count[0]++ * GOLDEN;
    double point = (u >>> 11) * 0x1.0p-53 * cumulative[cumulative.length - 1];
    int lo = 0;
    int hi = cumulative.length - 1;
    while (lo < hi) { // the first locality whose cumulative weight is above the point
      int mid = (lo + hi) >>> 1;
      if (cumulative[mid] > point) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return choices[lo];
  }
}

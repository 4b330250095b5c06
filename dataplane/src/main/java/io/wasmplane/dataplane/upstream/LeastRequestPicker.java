package io.wasmplane.dataplane.upstream;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's least request over hosts of equal weight: of {@code choices} hosts drawn at random (with repetition), the
 * one with the fewest active requests; the earlier draw wins a tie. With 2 choices, the power of two choices.
 */
final class LeastRequestPicker implements HostPicker {
  private final UpstreamHost[] hosts;
  private final int choices;

  LeastRequestPicker(List<UpstreamHost> hosts, int choices) {
    this.hosts = hosts.toArray(UpstreamHost[]::new);
    this.choices = choices;
  }

  @Override
  public UpstreamHost pick() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    UpstreamHost best = hosts[r.nextInt(hosts.length)];
    for (int i = 1; i < choices; i++) {
      UpstreamHost h = hosts[r.nextInt(hosts.length)];
      if (h.activeRequests() < best.activeRequests()) {
        best = h;
      }
    }
    return best;
  }
}

package io.wasmplane.dataplane.upstream;

import io.wasmplane.dataplane.config.ClusterConfig;
import java.util.List;

/**
 * Envoy's slow start for ROUND_ROBIN and LEAST_REQUEST: a healthy (not degraded) host whose last turn to healthy
 * ({@link UpstreamHost#healthySinceNanos}) is less than the window ago weighs weight x max(min weight percent,
 * time factor^(1 / aggression)), time factor = max(1 ms, time healthy) / window. The factor is read at each pick, as
 * Envoy's EDF schedulers do, so the ramp is smooth without rebuilding schedules.
 */
final class SlowStart {
  private static final long ONE_MS = 1_000_000L;
  private final long windowNanos;
  private final double inverseAggression;
  private final double minFactor;

  private SlowStart(ClusterConfig.SlowStartConfig c) {
    this.windowNanos = c.window().toNanos();
    this.inverseAggression = 1 / c.aggression();
    this.minFactor = c.minWeightPercent() / 100;
  }

  /** The cluster's slow start, or null when it has none. */
  static SlowStart of(ClusterConfig config) {
    return config.slowStart().enabled() ? new SlowStart(config.slowStart()) : null;
  }

  /** {@code weight} scaled for {@code host} at {@code nowNanos}: unchanged outside its window. */
  double weigh(double weight, UpstreamHost host, long nowNanos) {
    long since = host.healthySinceNanos;
    if (since == UpstreamHost.NEVER || !ramping(host)) {
      return weight;
    }
    long in = nowNanos - since;
    if (in >= windowNanos) {
      return weight;
    }
    double timeFactor = (double) Math.max(ONE_MS, in) / windowNanos;
    double f = inverseAggression == 1 ? timeFactor : Math.pow(timeFactor, inverseAggression);
    return weight * Math.max(f, minFactor);
  }

  /** When the last of {@code hosts}' windows ends (System.nanoTime), or {@link UpstreamHost#NEVER} if none is open. */
  long windowEnd(List<UpstreamHost> hosts, long nowNanos) {
    long end = UpstreamHost.NEVER;
    for (UpstreamHost h : hosts) {
      long since = h.healthySinceNanos;
      if (since != UpstreamHost.NEVER && ramping(h) && nowNanos - since < windowNanos) {
        end = Math.max(end, since + windowNanos);
      }
    }
    return end;
  }

  /** Envoy ramps only hosts whose coarse health is healthy (not failed, not degraded). */
  private static boolean ramping(UpstreamHost h) {
    return h.health().healthy() && !h.health().degraded();
  }
}

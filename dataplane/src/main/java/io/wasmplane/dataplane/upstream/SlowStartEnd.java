package io.wasmplane.dataplane.upstream;

import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A slow-starting cluster's bookkeeping on every host-set change: stamps the time hosts are first seen healthy
 * (Envoy's last_hc_pass_time when no active check set it) and schedules one rebuild of the selection just after the
 * last open window ends, so the pickers go back to the plain (equal-weight: zero-cost) path. Called under the
 * cluster's selection lock.
 */
final class SlowStartEnd {
  private final SlowStart slowStart;
  private final ScheduledExecutorService timer;
  private final Runnable rebuild;
  private ScheduledFuture<?> pending;
  private long pendingAt = UpstreamHost.NEVER;
  private boolean stopped;

  SlowStartEnd(SlowStart slowStart, ScheduledExecutorService timer, Runnable rebuild) {
    this.slowStart = slowStart;
    this.timer = timer;
    this.rebuild = rebuild;
  }

  synchronized void hostsChanged(List<UpstreamHost> hosts) {
    long now = System.nanoTime();
    for (UpstreamHost h : hosts) {
      if (h.healthySinceNanos == UpstreamHost.NEVER && h.health().healthy() && !h.health().degraded()) {
        h.healthySinceNanos = now;
      }
    }
    long end = slowStart.windowEnd(hosts, now);
    // No timer (a cluster built without one, as some tests do): the slow start pickers stay, plain past the window.
    if (stopped || timer == null || end == UpstreamHost.NEVER || end == pendingAt) {
      return;
    }
    if (pending != null) {
      pending.cancel(false);
    }
    pendingAt = end;
    // 1 ms past the end: the rebuild then sees every window closed.
    pending = timer.schedule(this::fire, end - now + 1_000_000, TimeUnit.NANOSECONDS);
  }

  private void fire() {
    synchronized (this) {
      pending = null;
      pendingAt = UpstreamHost.NEVER;
    }
    rebuild.run();
  }

  synchronized void stop() {
    stopped = true;
    if (pending != null) {
      pending.cancel(false);
    }
  }
}

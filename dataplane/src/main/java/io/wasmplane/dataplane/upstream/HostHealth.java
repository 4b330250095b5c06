package io.wasmplane.dataplane.upstream;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A host's health flags, as Envoy keeps them: set by the active health checker, the outlier detector and EDS, read by
 * every worker's load balancer through the cluster's {@link HostSelection}. Lock-free; changes return whether
 * anything changed so the owner can rebuild the selection only then.
 */
public final class HostHealth {
  public static final int FAILED_ACTIVE_HC = 1;
  public static final int FAILED_OUTLIER_CHECK = 1 << 1;
  public static final int FAILED_EDS_HEALTH = 1 << 2;
  /** Passed its active check with x-envoy-degraded: used only when too few healthy hosts remain. */
  public static final int DEGRADED_ACTIVE_HC = 1 << 3;
  /** EDS said DEGRADED. */
  public static final int DEGRADED_EDS_HEALTH = 1 << 4;
  /** Added by DNS or EDS and not checked yet (excluded from load balancing weights with ignore_new_hosts_until_first_hc). */
  public static final int PENDING_ACTIVE_HC = 1 << 5;
  private static final int UNHEALTHY = FAILED_ACTIVE_HC | FAILED_OUTLIER_CHECK | FAILED_EDS_HEALTH;
  private static final int DEGRADED = DEGRADED_ACTIVE_HC | DEGRADED_EDS_HEALTH;

  private final AtomicInteger flags = new AtomicInteger();

  public boolean healthy() {
    return (flags.get() & UNHEALTHY) == 0;
  }

  /** Not failed but marked degraded (by its active check or by EDS). */
  public boolean degraded() {
    int f = flags.get();
    return (f & UNHEALTHY) == 0 && (f & DEGRADED) != 0;
  }

  public boolean has(int flag) {
    return (flags.get() & flag) != 0;
  }

  /** Sets (on) or clears (off) {@code flag}; true when that changed the flags. */
  boolean update(int flag, boolean on) {
    while (true) {
      int old = flags.get();
      int next = on ? old | flag : old & ~flag;
      if (old == next) {
        return false;
      }
      if (flags.compareAndSet(old, next)) {
        return true;
      }
    }
  }

  /** Envoy's /clusters {@code health_flags}: "healthy" or the set flags, e.g. "/failed_active_hc/pending_active_hc". */
  public String describe() {
    int f = flags.get();
    if (f == 0) {
      return "healthy";
    }
    StringBuilder sb = new StringBuilder();
    if ((f & FAILED_ACTIVE_HC) != 0) {
      sb.append("/failed_active_hc");
    }
    if ((f & FAILED_OUTLIER_CHECK) != 0) {
      sb.append("/failed_outlier_check");
    }
    if ((f & FAILED_EDS_HEALTH) != 0) {
      sb.append("/failed_eds_health");
    }
    if ((f & DEGRADED_ACTIVE_HC) != 0) {
      sb.append("/degraded_active_hc");
    }
    if ((f & DEGRADED_EDS_HEALTH) != 0) {
      sb.append("/degraded_eds_health");
    }
    if ((f & PENDING_ACTIVE_HC) != 0) {
      sb.append("/pending_active_hc");
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return describe();
  }
}

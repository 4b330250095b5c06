package io.wasmplane.dataplane.server;

import io.wasmplane.dataplane.config.ListenerConfig;

/**
 * Envoy's drain manager, as the admin drives it: whether a response should close its connection (HTTP/1.1
 * {@code Connection: close}, HTTP/2 GOAWAY). True while the server is health-check failed ({@code /healthcheck/fail},
 * listeners with {@code drain_type: DEFAULT}) and, once {@code /drain_listeners?graceful} started, on the listeners it
 * drains, always ({@link DrainStrategy#IMMEDIATE}) or with a probability growing over the drain time
 * ({@link DrainStrategy#GRADUAL}). Read on every response, so just volatile fields.
 */
public final class DrainManager {
  /** Which listeners a graceful drain covers. */
  public enum Scope { NONE, INBOUND, ALL }

  private volatile boolean healthCheckFailed;
  private volatile Scope graceful = Scope.NONE;
  private volatile DrainStrategy strategy = DrainStrategy.GRADUAL;
  private volatile long gracefulStartNanos;
  private volatile long gracefulNanos;

  boolean drainClose(ListenerConfig l) {
    if (healthCheckFailed && !l.drain().modifyOnly()) {
      return true; // a failed health check asks every response, whatever the strategy (as Envoy)
    }
    return covers(graceful, l) && strategy.encouragesClose(System.nanoTime() - gracefulStartNanos, gracefulNanos);
  }

  public DrainStrategy strategy() {
    return strategy;
  }

  void strategy(DrainStrategy s) {
    strategy = s;
  }

  static boolean covers(Scope scope, ListenerConfig l) {
    return scope == Scope.ALL || (scope == Scope.INBOUND && l.drain().inbound());
  }

  public boolean healthCheckFailed() {
    return healthCheckFailed;
  }

  void healthCheckFailed(boolean failed) {
    healthCheckFailed = failed;
  }

  /** Starts the graceful drain of {@code scope}; false if one already runs (Envoy ignores a second request). */
  synchronized boolean startGraceful(Scope scope, java.time.Duration drainTime) {
    if (graceful != Scope.NONE) {
      return false;
    }
    gracefulNanos = drainTime.toNanos();
    gracefulStartNanos = System.nanoTime();
    graceful = scope; // last: drainClose reads the start and length once it sees the scope
    return true;
  }

  public boolean draining() {
    return graceful != Scope.NONE;
  }
}

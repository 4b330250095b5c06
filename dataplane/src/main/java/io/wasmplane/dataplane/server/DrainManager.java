package io.wasmplane.dataplane.server;

import io.wasmplane.dataplane.config.ListenerConfig;

/**
 * Envoy's drain manager, as the admin drives it: whether a response should close its connection (HTTP/1.1
 * {@code Connection: close}, HTTP/2 GOAWAY). True while the server is health-check failed ({@code /healthcheck/fail},
 * listeners with {@code drain_type: DEFAULT}) and, once {@code /drain_listeners?graceful} started, on the listeners it
 * drains. Read on every response, so just volatile fields.
 */
public final class DrainManager {
  /** Which listeners a graceful drain covers. */
  public enum Scope { NONE, INBOUND, ALL }

  private volatile boolean healthCheckFailed;
  private volatile Scope graceful = Scope.NONE;

  boolean drainClose(ListenerConfig l) {
    return (healthCheckFailed && !l.drain().modifyOnly()) || covers(graceful, l);
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
  synchronized boolean startGraceful(Scope scope) {
    if (graceful != Scope.NONE) {
      return false;
    }
    graceful = scope;
    return true;
  }

  public boolean draining() {
    return graceful != Scope.NONE;
  }
}

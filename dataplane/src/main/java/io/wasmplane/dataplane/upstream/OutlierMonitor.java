package io.wasmplane.dataplane.upstream;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One host's consecutive-error counters for outlier detection. The router reports every upstream result here from
 * any worker; reaching a threshold hands the decision to the cluster's {@link OutlierDetector} on its own loop.
 * Ejection bookkeeping (times, back-off) is only touched on that loop.
 */
public final class OutlierMonitor {
  /** Reports go nowhere: the cluster has no outlier detection. */
  static final OutlierMonitor NONE = new OutlierMonitor(null, null);

  private final OutlierDetector detector;
  private final UpstreamHost host;
  final AtomicInteger consecutive5xx = new AtomicInteger();
  final AtomicInteger consecutiveGatewayFailure = new AtomicInteger();
  final AtomicInteger consecutiveLocalOriginFailure = new AtomicInteger();
  final SuccessRateWindow externalOrigin = new SuccessRateWindow();
  final SuccessRateWindow localOrigin = new SuccessRateWindow();
  /** Success rates (percent) of the last interval, -1 when it had too few requests (set on the detector loop). */
  volatile double successRate = -1;
  volatile double localOriginSuccessRate = -1;
  // Detector loop only.
  int numEjections;
  int ejectTimeBackoff;
  long lastEjectionNanos;
  long lastUnejectionNanos = -1;
  long jitterMillis;

  OutlierMonitor(OutlierDetector detector, UpstreamHost host) {
    this.detector = detector;
    this.host = host;
  }

  /** External-origin success rate of the last interval in percent, or -1 (Envoy's /clusters success_rate). */
  public double successRate() {
    return successRate;
  }

  /** Local-origin success rate of the last interval in percent, or -1. */
  public double localOriginSuccessRate() {
    return localOriginSuccessRate;
  }

  /** An upstream response status (5xx counts; 502/503/504 are also gateway failures). */
  public void putHttpResponseCode(int code) {
    if (detector == null) {
      return;
    }
    externalOrigin.record(code < 500 || code >= 600);
    if (code >= 500 && code < 600) {
      if (code >= 502 && code <= 504) {
        if (consecutiveGatewayFailure.incrementAndGet() == detector.config().consecutiveGatewayFailure()) {
          detector.onConsecutiveError(host, OutlierDetector.Type.CONSECUTIVE_GATEWAY_FAILURE);
        }
      } else {
        consecutiveGatewayFailure.set(0);
      }
      if (consecutive5xx.incrementAndGet() == detector.config().consecutive5xx()) {
        detector.onConsecutiveError(host, OutlierDetector.Type.CONSECUTIVE_5XX);
      }
    } else {
      consecutive5xx.set(0);
      consecutiveGatewayFailure.set(0);
    }
  }

  /** The connection could not be made or broke under the request (Envoy's LocalOriginConnectFailed). */
  public void putLocalOriginFailure() {
    if (detector == null) {
      return;
    }
    if (!detector.config().splitExternalLocalOriginErrors()) {
      putHttpResponseCode(503);
      return;
    }
    localOrigin.record(false);
    if (consecutiveLocalOriginFailure.incrementAndGet() == detector.config().consecutiveLocalOriginFailure()) {
      detector.onConsecutiveError(host, OutlierDetector.Type.CONSECUTIVE_LOCAL_ORIGIN_FAILURE);
    }
  }

  /** The route timeout fired (Envoy reports it as a 504, or as a local-origin failure when split). */
  public void putTimeout() {
    if (detector != null && detector.config().splitExternalLocalOriginErrors()) {
      putLocalOriginFailure();
    } else {
      putHttpResponseCode(504);
    }
  }

  /** A connection to the host is ready for the request (resets local-origin failures when they are split). */
  public void putConnectSuccess() {
    if (detector != null && detector.config().splitExternalLocalOriginErrors()) {
      localOrigin.record(true);
      consecutiveLocalOriginFailure.set(0);
    }
  }

  void resetCounters() {
    consecutive5xx.set(0);
    consecutiveGatewayFailure.set(0);
    consecutiveLocalOriginFailure.set(0);
  }
}

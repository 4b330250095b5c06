package io.wasmplane.dataplane.upstream;

/**
 * An outlier detector's success-rate statistics over its last interval, in percent, as /clusters prints them; -1
 * where the interval had too few hosts with enough requests to compute them.
 */
public record OutlierSummary(double successRateAverage, double successRateEjectionThreshold,
    double localOriginSuccessRateAverage, double localOriginSuccessRateEjectionThreshold) {
  static final OutlierSummary NONE = new OutlierSummary(-1, -1, -1, -1);
}

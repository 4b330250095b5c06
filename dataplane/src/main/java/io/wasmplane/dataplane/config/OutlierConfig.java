package io.wasmplane.dataplane.config;

import java.time.Duration;

/**
 * {@code Cluster.outlier_detection} with Envoy's defaults applied. Percentages are 0..100 (the chance an ejection that
 * was detected is enforced). Success-rate and failure-percentage detection are not implemented (refused if enabled).
 */
public record OutlierConfig(
    Duration interval,
    Duration baseEjectionTime,
    Duration maxEjectionTime,
    Duration maxEjectionTimeJitter,
    int maxEjectionPercent,
    boolean alwaysEjectOneHost,
    int consecutive5xx,
    int enforcingConsecutive5xx,
    int consecutiveGatewayFailure,
    int enforcingConsecutiveGatewayFailure,
    boolean splitExternalLocalOriginErrors,
    int consecutiveLocalOriginFailure,
    int enforcingConsecutiveLocalOriginFailure,
    boolean successfulActiveHealthCheckUnejectHost) {}

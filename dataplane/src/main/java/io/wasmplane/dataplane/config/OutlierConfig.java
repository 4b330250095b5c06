package io.wasmplane.dataplane.config;

import java.time.Duration;

/**
 * {@code Cluster.outlier_detection} with Envoy's defaults applied. {@code enforcing*} are percentages 0..100 (the chance
 * an ejection that was detected is enforced); {@code successRateStdevFactor} is in thousandths, as Envoy's field.
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
    boolean successfulActiveHealthCheckUnejectHost,
    int enforcingSuccessRate,
    int enforcingLocalOriginSuccessRate,
    int successRateMinimumHosts,
    int successRateRequestVolume,
    int successRateStdevFactor,
    int failurePercentageThreshold,
    int enforcingFailurePercentage,
    int enforcingFailurePercentageLocalOrigin,
    int failurePercentageMinimumHosts,
    int failurePercentageRequestVolume) {}

package io.wasmplane.dataplane.config;

import java.util.List;
import java.util.Optional;

/**
 * How a cluster judges its hosts: active health checks, outlier detection and the panic threshold (percent of healthy
 * hosts below which the load balancer uses every host; 0 disables panic mode).
 */
public record HealthConfig(List<HealthCheckConfig> healthChecks, Optional<OutlierConfig> outlier, int panicThresholdPercent) {
  /** Envoy's default: no checks, no outlier detection, panic below 50 %. */
  public static final HealthConfig DEFAULT = new HealthConfig(List.of(), Optional.empty(), 50);

  public Optional<HealthCheckConfig> healthCheck() {
    return healthChecks.isEmpty() ? Optional.empty() : Optional.of(healthChecks.get(0));
  }
}

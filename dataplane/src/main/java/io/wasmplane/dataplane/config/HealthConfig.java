package io.wasmplane.dataplane.config;

import java.util.List;
import java.util.Optional;

/**
 * How a cluster judges its hosts: active health checks, outlier detection, the panic threshold (percent of healthy
 * hosts below which the load balancer uses every host; 0 disables panic mode) and whether hosts not checked yet are
 * left out of the load balancing weights ({@code common_lb_config.ignore_new_hosts_until_first_hc}).
 */
public record HealthConfig(List<HealthCheckConfig> healthChecks, Optional<OutlierConfig> outlier, int panicThresholdPercent,
    boolean ignoreNewHostsUntilFirstHc) {
  /** Envoy's default: no checks, no outlier detection, panic below 50 %. */
  public static final HealthConfig DEFAULT = new HealthConfig(List.of(), Optional.empty(), 50, false);

  public Optional<HealthCheckConfig> healthCheck() {
    return healthChecks.isEmpty() ? Optional.empty() : Optional.of(healthChecks.get(0));
  }
}

package io.wasmplane.dataplane.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A static cluster: how to find its hosts, balance over them and talk to them. */
public record ClusterConfig(
    String name,
    DiscoveryType type,
    LbPolicy lbPolicy,
    Duration connectTimeout,
    List<EndpointAddress> endpoints,
    UpstreamProtocol protocol,
    Optional<TlsClientConfig> tls,
    CircuitBreakers limits,
    Duration dnsRefreshRate,
    Duration idleTimeout,
    HealthConfig health) {

  /** The same cluster with the endpoints an EDS update delivered. */
  public ClusterConfig withEndpoints(List<EndpointAddress> eps) {
    return new ClusterConfig(name, type, lbPolicy, connectTimeout, List.copyOf(eps), protocol, tls, limits, dnsRefreshRate, idleTimeout, health);
  }

  public enum DiscoveryType { STATIC, STRICT_DNS, LOGICAL_DNS, EDS }

  public enum LbPolicy { ROUND_ROBIN, LEAST_REQUEST, RANDOM }

  public enum UpstreamProtocol { HTTP1, HTTP2 }

  /** Envoy's default circuit breaker thresholds: 1024 connections, pending and active requests; 3 active retries. */
  public record CircuitBreakers(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries) {
    public static final CircuitBreakers DEFAULT = new CircuitBreakers(1024, 1024, 1024, 3);
  }

  /**
   * A configured endpoint: a host name or IP and a port (DNS names are resolved by the cluster), and whether EDS
   * reported it UNHEALTHY, DRAINING or TIMEOUT (Envoy's /failed_eds_health: not used unless in panic) or DEGRADED
   * (/degraded_eds_health: used only when too few healthy hosts remain).
   */
  public record EndpointAddress(String host, int port, boolean failedEdsHealth, boolean degradedEdsHealth) {
    public EndpointAddress(String host, int port) {
      this(host, port, false, false);
    }

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }
}

package io.wasmplane.dataplane.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A static cluster: how to find its hosts, balance over them and talk to them; {@code socketOptions} are set on every
 * upstream connection (its socket_options and upstream_connection_options.tcp_keepalive); {@code localityWeightedLb}
 * (common_lb_config.locality_weighted_lb_config) picks a locality by its weight before a host within it;
 * {@code leastRequest}: least_request_lb_config (or the least_request load_balancing_policy), read by LEAST_REQUEST;
 * {@code slowStart}: the policy's slow_start_config (ROUND_ROBIN and LEAST_REQUEST); {@code dropOverload}: the load
 * assignment's policy.drop_overloads (an EDS update replaces it).
 */
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
    HealthConfig health,
    HashLbConfig hashLb,
    List<TransportSocketMatch> socketMatches,
    List<SocketOptionSpec> socketOptions,
    int overprovisioningFactor,
    Http2Options http2,
    boolean localityWeightedLb,
    LeastRequestLbConfig leastRequest,
    SlowStartConfig slowStart,
    DropOverload dropOverload) {

  /** Envoy's default overprovisioning factor (1.4), in percent. */
  public static final int DEFAULT_OVERPROVISIONING_FACTOR = 140;

  public ClusterConfig {
    socketOptions = List.copyOf(socketOptions);
  }

  public ClusterConfig(String name, DiscoveryType type, LbPolicy lbPolicy, Duration connectTimeout, List<EndpointAddress> endpoints,
      UpstreamProtocol protocol, Optional<TlsClientConfig> tls, CircuitBreakers limits, Duration dnsRefreshRate,
      Duration idleTimeout, HealthConfig health, HashLbConfig hashLb, List<TransportSocketMatch> socketMatches,
      List<SocketOptionSpec> socketOptions, int overprovisioningFactor, Http2Options http2, boolean localityWeightedLb,
      LeastRequestLbConfig leastRequest) {
    this(name, type, lbPolicy, connectTimeout, endpoints, protocol, tls, limits, dnsRefreshRate, idleTimeout, health, hashLb, socketMatches,
        socketOptions, overprovisioningFactor, http2, localityWeightedLb, leastRequest, SlowStartConfig.NONE, DropOverload.NONE);
  }

  public ClusterConfig(String name, DiscoveryType type, LbPolicy lbPolicy, Duration connectTimeout, List<EndpointAddress> endpoints,
      UpstreamProtocol protocol, Optional<TlsClientConfig> tls, CircuitBreakers limits, Duration dnsRefreshRate,
      Duration idleTimeout, HealthConfig health, HashLbConfig hashLb, List<TransportSocketMatch> socketMatches,
      List<SocketOptionSpec> socketOptions, int overprovisioningFactor, Http2Options http2, boolean localityWeightedLb) {
    this(name, type, lbPolicy, connectTimeout, endpoints, protocol, tls, limits, dnsRefreshRate, idleTimeout, health, hashLb, socketMatches,
        socketOptions, overprovisioningFactor, http2, localityWeightedLb, LeastRequestLbConfig.DEFAULT);
  }

  public ClusterConfig(String name, DiscoveryType type, LbPolicy lbPolicy, Duration connectTimeout, List<EndpointAddress> endpoints,
      UpstreamProtocol protocol, Optional<TlsClientConfig> tls, CircuitBreakers limits, Duration dnsRefreshRate,
      Duration idleTimeout, HealthConfig health, HashLbConfig hashLb, List<TransportSocketMatch> socketMatches,
      List<SocketOptionSpec> socketOptions) {
    this(name, type, lbPolicy, connectTimeout, endpoints, protocol, tls, limits, dnsRefreshRate, idleTimeout, health, hashLb, socketMatches,
        socketOptions, DEFAULT_OVERPROVISIONING_FACTOR, Http2Options.DEFAULT, false);
  }

  public ClusterConfig(String name, DiscoveryType type, LbPolicy lbPolicy, Duration connectTimeout, List<EndpointAddress> endpoints,
      UpstreamProtocol protocol, Optional<TlsClientConfig> tls, CircuitBreakers limits, Duration dnsRefreshRate,
      Duration idleTimeout, HealthConfig health, HashLbConfig hashLb, List<TransportSocketMatch> socketMatches) {
    this(name, type, lbPolicy, connectTimeout, endpoints, protocol, tls, limits, dnsRefreshRate, idleTimeout, health, hashLb, socketMatches,
        List.of());
  }

  public ClusterConfig(String name, DiscoveryType type, LbPolicy lbPolicy, Duration connectTimeout, List<EndpointAddress> endpoints,
      UpstreamProtocol protocol, Optional<TlsClientConfig> tls, CircuitBreakers limits, Duration dnsRefreshRate,
      Duration idleTimeout, HealthConfig health) {
    this(name, type, lbPolicy, connectTimeout, endpoints, protocol, tls, limits, dnsRefreshRate, idleTimeout, health, HashLbConfig.DEFAULT);
  }

  public ClusterConfig(String name, DiscoveryType type, LbPolicy lbPolicy, Duration connectTimeout, List<EndpointAddress> endpoints,
      UpstreamProtocol protocol, Optional<TlsClientConfig> tls, CircuitBreakers limits, Duration dnsRefreshRate,
      Duration idleTimeout, HealthConfig health, HashLbConfig hashLb) {
    this(name, type, lbPolicy, connectTimeout, endpoints, protocol, tls, limits, dnsRefreshRate, idleTimeout, health, hashLb, List.of());
  }

  /** The same cluster with the endpoints (and policy.overprovisioning_factor) an EDS update delivered. */
  public ClusterConfig withEndpoints(List<EndpointAddress> eps, int overprovisioning) {
    return withEndpoints(eps, overprovisioning, dropOverload);
  }

  /** The same cluster with the endpoints and the policy (overprovisioning_factor, drop_overloads) an EDS update delivered. */
  public ClusterConfig withEndpoints(List<EndpointAddress> eps, int overprovisioning, DropOverload drop) {
    return new ClusterConfig(name, type, lbPolicy, connectTimeout, List.copyOf(eps), protocol, tls, limits, dnsRefreshRate, idleTimeout,
        health, hashLb, socketMatches, socketOptions, overprovisioning, http2, localityWeightedLb, leastRequest, slowStart, drop);
  }

  /** Every TLS context the cluster may use: its transport_socket and those of its transport_socket_matches. */
  public List<TlsClientConfig> allTls() {
    List<TlsClientConfig> all = new java.util.ArrayList<>();
    tls.ifPresent(all::add);
    socketMatches.forEach(m -> m.tls().ifPresent(all::add));
    return all;
  }

  /**
   * A LocalityLbEndpoints' locality (region/zone/sub_zone) and its load_balancing_weight: 0 when unset, which Envoy's
   * locality weighted balancing treats as "no traffic" (a set weight is at least 1).
   */
  public record Locality(String region, String zone, String subZone, long weight) {
    public static final Locality NONE = new Locality("", "", "", 0);

    @Override
    public String toString() {
      return region + "/" + zone + "/" + subZone + " (weight " + weight + ")";
    }
  }

  public enum DiscoveryType { STATIC, STRICT_DNS, LOGICAL_DNS, EDS }

  public enum LbPolicy {
    ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV;

    /** Picks by the request's hash key (a route hash_policy), else at random. */
    public boolean hashing() {
      return this == RING_HASH || this == MAGLEV;
    }
  }

  /**
   * The consistent-hashing balancers' settings (Envoy's defaults): ring_hash_lb_config minimum/maximum ring size and
   * hash function, maglev_lb_config table size (a prime).
   */
  public record HashLbConfig(long minRingSize, long maxRingSize, boolean murmurHash2, long maglevTableSize) {
    public static final HashLbConfig DEFAULT = new HashLbConfig(1024, 8L * 1024 * 1024, false, 65537);
  }

  /**
   * LEAST_REQUEST's settings (Envoy's defaults): with equal host weights the best of {@code choiceCount} random hosts
   * by active requests; with unequal ones an EDF schedule by weight / (active requests + 1)^{@code activeRequestBias}.
   */
  public record LeastRequestLbConfig(int choiceCount, double activeRequestBias) {
    public static final LeastRequestLbConfig DEFAULT = new LeastRequestLbConfig(2, 1.0);
  }

  /**
   * ROUND_ROBIN's and LEAST_REQUEST's slow_start_config: a host healthy for less than {@code window} gets weight x
   * max({@code minWeightPercent} / 100, (time healthy / window)^(1 / {@code aggression})). {@link #NONE} (a zero
   * window, as Envoy treats an unset slow_start_window): no slow start.
   */
  public record SlowStartConfig(Duration window, double aggression, double minWeightPercent) {
    public static final SlowStartConfig NONE = new SlowStartConfig(Duration.ZERO, 1.0, 10.0);

    public boolean enabled() {
      return !window.isZero();
    }
  }

  /**
   * The load assignment's policy.drop_overloads (Envoy takes one category): this share of the cluster's requests is
   * answered 503 before a host is picked. {@link #NONE}: nothing is dropped.
   */
  public record DropOverload(String category, FaultConfig.Percent percent) {
    public static final DropOverload NONE = new DropOverload("", new FaultConfig.Percent(0, 100));

    /** One draw: whether this request is dropped. */
    public boolean drops() {
      return percent.numerator() > 0 && percent.sample(java.util.concurrent.ThreadLocalRandom.current());
    }
  }

  public enum UpstreamProtocol { HTTP1, HTTP2 }

  /** Envoy's default circuit breaker thresholds: 1024 connections, pending and active requests; 3 active retries. */
  public record CircuitBreakers(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries) {
    public static final CircuitBreakers DEFAULT = new CircuitBreakers(1024, 1024, 1024, 3);
  }

  /**
   * A configured endpoint: a host name or IP and a port (DNS names are resolved by the cluster), and whether EDS
   * reported it UNHEALTHY, DRAINING or TIMEOUT (Envoy's /failed_eds_health: not used unless in panic) or DEGRADED
   * (/degraded_eds_health: used only when too few healthy hosts remain), and its load_balancing_weight (1 when unset;
   * ignored by RANDOM, as Envoy), and its endpoint's and locality's envoy.transport_socket_match metadata (what transport_socket_matches
   * pick its transport socket by), and its locality's priority (0 is the highest; lower ones take the load P0 cannot),
   * its locality (with its load_balancing_weight, used only with locality weighted load balancing) and whether it is a
   * canary ({@code canary: true} in its {@code envoy.lb} metadata; shown by /clusters).
   */
  public record EndpointAddress(String host, int port, boolean failedEdsHealth, boolean degradedEdsHealth, int weight,
      TransportSocketMatch.HostLabels socketMatchLabels, int priority, Locality locality, boolean canary) {
    public EndpointAddress(String host, int port, boolean failedEdsHealth, boolean degradedEdsHealth, int weight,
        TransportSocketMatch.HostLabels socketMatchLabels, int priority, Locality locality) {
      this(host, port, failedEdsHealth, degradedEdsHealth, weight, socketMatchLabels, priority, locality, false);
    }

    public EndpointAddress(String host, int port, boolean failedEdsHealth, boolean degradedEdsHealth, int weight,
        TransportSocketMatch.HostLabels socketMatchLabels, int priority) {
      this(host, port, failedEdsHealth, degradedEdsHealth, weight, socketMatchLabels, priority, Locality.NONE);
    }

    public EndpointAddress(String host, int port, boolean failedEdsHealth, boolean degradedEdsHealth, int weight,
        TransportSocketMatch.HostLabels socketMatchLabels) {
      this(host, port, failedEdsHealth, degradedEdsHealth, weight, socketMatchLabels, 0);
    }

    public EndpointAddress(String host, int port, boolean failedEdsHealth, boolean degradedEdsHealth, int weight) {
      this(host, port, failedEdsHealth, degradedEdsHealth, weight, TransportSocketMatch.HostLabels.NONE);
    }

    public EndpointAddress(String host, int port) {
      this(host, port, false, false, 1);
    }

    public EndpointAddress(String host, int port, boolean failedEdsHealth) {
      this(host, port, failedEdsHealth, false, 1);
    }

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }
}

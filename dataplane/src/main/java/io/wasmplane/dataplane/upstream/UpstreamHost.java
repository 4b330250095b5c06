package io.wasmplane.dataplane.upstream;

import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.network.Addresses;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/** One resolved endpoint of a cluster; {@code activeRequests} feeds least-request balancing. */
public final class UpstreamHost {
  private final String hostname;
  private final InetSocketAddress address;
  private final String addressString;
  final AtomicInteger activeRequests = new AtomicInteger();
  private final HostHealth health = new HostHealth();
  private final HostStats stats = new HostStats();
  volatile OutlierMonitor outlier = OutlierMonitor.NONE;
  /** load_balancing_weight (at least 1); an EDS update may change it. */
  volatile int weight = 1;
  /** Its locality's priority (0 is the highest); an EDS update may move it. */
  volatile int priority;
  /** Its locality with the locality's load_balancing_weight; an EDS update may change it. */
  volatile ClusterConfig.Locality locality = ClusterConfig.Locality.NONE;
  /** Whether EDS marks it a canary (envoy.lb metadata; shown by /clusters). */
  volatile boolean canary;
  /** Its transport socket (transport_socket_matches): set when created and when an EDS update changes its labels. */
  volatile TransportSockets.Socket transportSocket = TransportSockets.Socket.PLAINTEXT;
  /**
   * When it last became healthy (System.nanoTime), Envoy's last_hc_pass_time: set by the active health checker when it
   * passes again, else when the cluster first sees it healthy; {@link #NEVER} until then. Slow start counts from it.
   */
  volatile long healthySinceNanos = NEVER;
  static final long NEVER = Long.MIN_VALUE;

  public UpstreamHost(String hostname, InetSocketAddress address) {
    this.hostname = hostname;
    this.address = address;
    this.addressString = Addresses.hostPort(address);
  }

  public String hostname() {
    return hostname;
  }

  public InetSocketAddress address() {
    return address;
  }

  /** ip:port, as %UPSTREAM_HOST% shows it. */
  public String addressString() {
    return addressString;
  }

  public HostHealth health() {
    return health;
  }

  /** cx_* and rq_* as /clusters prints them. */
  public HostStats stats() {
    return stats;
  }

  /** Where the router reports this host's results (a no-op without outlier detection). */
  public OutlierMonitor outlier() {
    return outlier;
  }

  public int weight() {
    return weight;
  }

  public int priority() {
    return priority;
  }

  public ClusterConfig.Locality locality() {
    return locality;
  }

  public boolean canary() {
    return canary;
  }

  public int activeRequests() {
    return activeRequests.get();
  }

  @Override
  public String toString() {
    return addressString;
  }
}

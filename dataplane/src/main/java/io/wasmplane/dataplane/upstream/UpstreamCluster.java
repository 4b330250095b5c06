package io.wasmplane.dataplane.upstream;

import io.netty.channel.EventLoop;
import io.wasmplane.dataplane.config.HealthConfig;
import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.server.Transport;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster at run time: its current hosts (re-resolved off the event loops for DNS clusters), load balancing, the
 * cluster-wide circuit breaker counts, and one connection pool per worker event loop.
 */
public final class UpstreamCluster {
  private static final Logger log = LoggerFactory.getLogger(UpstreamCluster.class);

  private final ClusterConfig config;
  private final ClusterStats stats;
  private final Transport transport;
  private final TransportSockets transportSockets;
  private final AtomicReference<List<UpstreamHost>> hosts = new AtomicReference<>(List.of());
  private final AtomicInteger rrIndex = new AtomicInteger();
  private final ConcurrentHashMap<EventLoop, WorkerPool> pools = new ConcurrentHashMap<>();
  private java.util.concurrent.ScheduledFuture<?> refresh;
  final AtomicInteger activeConnections = new AtomicInteger();
  final AtomicInteger pendingRequests = new AtomicInteger();
  final AtomicInteger activeRequests = new AtomicInteger();
  private final AtomicInteger activeRetries = new AtomicInteger();
  private final java.util.concurrent.CountDownLatch initialized = new java.util.concurrent.CountDownLatch(1);
  private final java.util.concurrent.CompletableFuture<Void> firstResolution = new java.util.concurrent.CompletableFuture<>();
  private volatile HostSelection selection = HostSelection.EMPTY;
  /** The load assignment's policy.overprovisioning_factor (percent); an EDS update may change it. */
  private volatile int overprovisioningFactor;
  /** The load assignment's policy.drop_overloads; an EDS update may change it. */
  private volatile ClusterConfig.DropOverload dropOverload;
  /** Rebuilds the selection when the last slow start window ends, back to the pickers without slow start. */
  private final SlowStartEnd slowStartEnd;
  private final HealthChecker healthChecker;
  private final OutlierDetector outlier;

  public UpstreamCluster(ClusterConfig config, StatsRegistry registry, Transport transport, ScheduledExecutorService dns,
      Supplier<EventLoop> healthLoop) {
    this(config, registry, transport, dns, healthLoop, new io.wasmplane.dataplane.tls.SecretStore(java.util.Map.of()));
  }

  /**
   * {@code healthLoop}: the one event loop where health checks and outlier decisions run (asked for only if needed);
   * {@code secrets}: what the cluster's TLS context refers to (SDS).
   */
  public UpstreamCluster(ClusterConfig config, StatsRegistry registry, Transport transport, ScheduledExecutorService dns,
      Supplier<EventLoop> healthLoop, io.wasmplane.dataplane.tls.SecretStore secrets) {
    this.config = config;
    this.overprovisioningFactor = config.overprovisioningFactor();
    this.dropOverload = config.dropOverload();
    SlowStart slowStart = SlowStart.of(config);
    this.slowStartEnd = slowStart == null ? null : new SlowStartEnd(slowStart, dns, this::refreshSelection);
    this.stats = new ClusterStats(registry, config.name());
    this.transport = transport;
    this.transportSockets = new TransportSockets(config, secrets);
    // cluster.<name>.ssl.*: every upstream handshake (requests and health checks) made with this cluster's contexts.
    transportSockets.countHandshakes(new io.wasmplane.dataplane.tls.TlsStats(registry, "cluster." + config.name()));
    HealthConfig hc = config.health();
    this.healthChecker = hc.healthCheck().map(c -> new HealthChecker(this, c, healthLoop.get(),
        new HealthCheckStats(registry, config.name()), this::onHealthCheckResult)).orElse(null);
    this.outlier = hc.outlier().map(o -> new OutlierDetector(config.name(), o, healthLoop.get(), registry,
        this::refreshSelection)).orElse(null);
    if (outlier != null) {
      outlier.start();
    }
    if (config.type() == ClusterConfig.DiscoveryType.STATIC || config.type() == ClusterConfig.DiscoveryType.EDS) {
      updateEndpoints(config.endpoints(), config.overprovisioningFactor(), config.dropOverload());
      initialized.countDown();
      firstResolution.complete(null);
    } else {
      // Resolve in the background; the first result arrives before traffic in practice, and "no healthy upstream" until then.
      dns.execute(this::resolve);
      refresh = dns.scheduleWithFixedDelay(this::resolve, config.dnsRefreshRate().toMillis(), config.dnsRefreshRate().toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  public ClusterConfig config() {
    return config;
  }

  public ClusterStats stats() {
    return stats;
  }

  public List<UpstreamHost> hosts() {
    return hosts.get();
  }

  /** Its outlier detector's last success-rate statistics; empty without outlier detection. */
  public java.util.Optional<OutlierSummary> outlierSummary() {
    return outlier == null ? java.util.Optional.empty() : java.util.Optional.of(outlier.summary());
  }

  Transport transport() {
    return transport;
  }

  private void setHosts(List<UpstreamHost> list) {
    List<UpstreamHost> copy = List.copyOf(list);
    hosts.set(copy);
    if (healthChecker != null) {
      healthChecker.hostsChanged(copy);
    }
    if (outlier != null) {
      outlier.hostsChanged(copy);
    }
    refreshSelection();
  }

  /**
   * A new host: health-checked clusters start those DNS or EDS adds failed until their first check (Envoy; a STATIC
   * cluster's hosts start healthy); EDS may report it unhealthy or degraded.
   */
  private UpstreamHost newHost(ClusterConfig.EndpointAddress e, InetSocketAddress address) {
    UpstreamHost h = new UpstreamHost(e.host(), address);
    h.weight = e.weight();
    h.priority = e.priority();
    h.locality = e.locality();
    h.canary = e.canary();
    h.transportSocket = transportSockets.choose(e.socketMatchLabels());
    if (healthChecker != null && config.type() != ClusterConfig.DiscoveryType.STATIC) {
      HealthChecker.markNew(h);
    }
    h.health().update(HostHealth.FAILED_EDS_HEALTH, e.failedEdsHealth());
    h.health().update(HostHealth.DEGRADED_EDS_HEALTH, e.degradedEdsHealth());
    return h;
  }

  /** Rebuilds what the load balancers pick from; called whenever membership or a host's health changed. */
  private synchronized void refreshSelection() {
    if (slowStartEnd != null) {
      slowStartEnd.hostsChanged(hosts.get());
    }
    HostSelection s = HostSelection.of(hosts.get(), overprovisioningFactor, config.health().panicThresholdPercent(),
        config.health().ignoreNewHostsUntilFirstHc(), config.localityWeightedLb(),
        config.lbPolicy().hashing() ? list -> HashBalancer.build(config, list) : null, list -> HostPicker.of(config, list));
    selection = s;
    stats.membershipTotal.set(s.total());
    stats.membershipHealthy.set(s.healthy());
    stats.membershipDegraded.set(s.degraded());
    stats.membershipExcluded.set(s.excluded());
  }

  private void onHealthCheckResult(UpstreamHost host, boolean passed, boolean healthChanged) {
    if (passed && outlier != null) {
      outlier.onHealthCheckSuccess(host);
    }
    if (healthChanged) {
      refreshSelection();
    }
  }

  /**
   * Replaces the hosts of a STATIC or EDS cluster in place (an EDS update); hosts that stay keep their state and the
   * pools' connections to them (also when their priority changes); {@code overprovisioningFactor} is the load
   * assignment's, in percent.
   */
  public void updateEndpoints(List<ClusterConfig.EndpointAddress> endpoints, int overprovisioningFactor) {
    updateEndpoints(endpoints, overprovisioningFactor, dropOverload);
  }

  /** {@link #updateEndpoints(List, int)} with the load assignment's policy.drop_overloads. */
  public void updateEndpoints(List<ClusterConfig.EndpointAddress> endpoints, int overprovisioningFactor,
      ClusterConfig.DropOverload dropOverload) {
    this.overprovisioningFactor = overprovisioningFactor;
    this.dropOverload = dropOverload;
    List<UpstreamHost> old = hosts.get();
    List<UpstreamHost> list = new ArrayList<>();
    for (ClusterConfig.EndpointAddress e : endpoints) {
      InetSocketAddress sa = new InetSocketAddress(ipLiteral(e.host()), e.port());
      UpstreamHost existing = old.stream().filter(h -> h.address().equals(sa)).findFirst().orElse(null);
      if (existing != null) {
        existing.health().update(HostHealth.FAILED_EDS_HEALTH, e.failedEdsHealth());
        existing.health().update(HostHealth.DEGRADED_EDS_HEALTH, e.degradedEdsHealth());
        existing.weight = e.weight();
        existing.priority = e.priority();
        existing.locality = e.locality();
        existing.canary = e.canary();
        existing.transportSocket = transportSockets.choose(e.socketMatchLabels()); // new connections only
      }
      list.add(existing != null ? existing : newHost(e, sa));
    }
    setHosts(list);
  }

  /** Blocking DNS; runs only on the DNS executor. */
  void resolve() {
    List<UpstreamHost> old = hosts.get();
    List<UpstreamHost> list = new ArrayList<>();
    try {
      for (ClusterConfig.EndpointAddress e : config.endpoints()) {
        InetAddress[] addrs = InetAddress.getAllByName(e.host());
        if (config.type() == ClusterConfig.DiscoveryType.LOGICAL_DNS) {
          addrs = new InetAddress[] {addrs[0]};
        }
        for (InetAddress a : addrs) {
          InetSocketAddress sa = new InetSocketAddress(a, e.port());
          UpstreamHost existing = old.stream().filter(h -> h.address().equals(sa)).findFirst().orElse(null);
          list.add(existing != null ? existing : newHost(e, sa));
        }
      }
      if (!list.equals(old)) {
        setHosts(list);
        log.debug("event=dns_resolved cluster={} hosts={}", config.name(), list);
      }
    } catch (UnknownHostException ex) {
      log.warn("event=dns_failed cluster={} error={}", config.name(), ex.getMessage());
    } catch (RuntimeException ex) {
      log.warn("event=dns_failed cluster={} error={}", config.name(), ex.toString());
    } finally {
      initialized.countDown(); // the first attempt, successful or not, ends the cluster's warming
      firstResolution.complete(null);
    }
  }

  /** Envoy initializes clusters (first DNS answer) before listeners take traffic; wait for that, bounded. */
  boolean awaitInitialized(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    if (!initialized.await(millis, TimeUnit.MILLISECONDS)) {
      return false;
    }
    // A health-checked cluster is initialized once its hosts had their first check (Envoy).
    return healthChecker == null || healthChecker.awaitFirstRound(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
  }

  /**
   * Envoy's cluster warming: completes once the first host resolution is in and, with active health checks, every
   * host had its first check (each check is bounded by its timeout).
   */
  java.util.concurrent.CompletionStage<Void> warmed() {
    return healthChecker == null ? firstResolution : firstResolution.thenCompose(v -> healthChecker.firstRound());
  }

  /** Picks a host by the cluster's policy, or null when there is none. */
  public UpstreamHost chooseHost() {
    return chooseHost(OptionalLong.empty(), 0);
  }

  /**
   * Picks a host by the cluster's policy, or null when there is none; RING_HASH and MAGLEV use the request's
   * {@code hash} (a random one without it, as Envoy), {@code attempt} > 0 asks them for another host. Other policies
   * ignore both.
   */
  public UpstreamHost chooseHost(OptionalLong hash, int attempt) {
    HostSelection s = selection;
    boolean hashing = config.lbPolicy().hashing();
    long h = hashing ? (hash.isPresent() ? hash.getAsLong() : ThreadLocalRandom.current().nextLong()) : 0;
    // Envoy picks the priority level by the request's hash for the hashing policies, at random for the others.
    HostSelection.Candidates c = s.singleLevel() ? s.choose(0)
        : s.choose(hashing ? (int) Long.remainderUnsigned(h, 100) : ThreadLocalRandom.current().nextInt(100));
    List<UpstreamHost> list = c.hosts();
    AtomicInteger rr = rrIndex;
    HostPicker picker = c.picker();
    if (c.localities() != null) { // locality weighted: a locality first, then a host within it by the policy
      LocalityPicker.Choice l = c.localities().next();
      list = l.hosts();
      rr = l.roundRobin();
      picker = l.picker();
    }
    int n = list.size();
    if (n == 0) {
      return null;
    }
    if (c.panic()) {
      stats.lbHealthyPanic.inc();
    }
    if (n == 1) {
      return list.get(0);
    }
    HashBalancer hb = c.hash();
    if (hb != null) {
      return hb.choose(h, attempt);
    }
    if (picker != null) { // weighted round robin, least request
      return picker.pick();
    }
    return config.lbPolicy() == ClusterConfig.LbPolicy.ROUND_ROBIN ? list.get(Math.floorMod(rr.getAndIncrement(), n))
        : list.get(ThreadLocalRandom.current().nextInt(n));
  }

  /** Whether this request falls in the load assignment's drop_overloads share (one random draw; none without). */
  public boolean dropsOverload() {
    return dropOverload.drops();
  }

  /** Takes one of the circuit breaker's {@code max_retries} slots; false when all are in use. */
  public boolean tryAcquireRetry() {
    int n;
    do {
      n = activeRetries.get();
      if (n >= config.limits().maxRetries()) {
        return false;
      }
    } while (!activeRetries.compareAndSet(n, n + 1));
    return true;
  }

  /** Gives back a slot taken by {@link #tryAcquireRetry()}. */
  public void releaseRetry() {
    activeRetries.decrementAndGet();
  }

  /** The pool of the calling worker. */
  public WorkerPool pool(EventLoop loop) {
    WorkerPool p = pools.get(loop);
    if (p == null) {
      p = pools.computeIfAbsent(loop, l -> new WorkerPool(this, l));
    }
    return p;
  }

  /** Replaced or removed by CDS: stop refreshing DNS; running streams finish, then {@link #close()}. */
  void retire() {
    if (refresh != null) {
      refresh.cancel(false);
    }
    if (healthChecker != null) {
      healthChecker.stop();
    }
    if (outlier != null) {
      outlier.stop();
    }
    if (slowStartEnd != null) {
      slowStartEnd.stop();
    }
    transportSockets.close(); // stops following its SDS secrets
  }

  public void close() {
    retire();
    pools.values().forEach(WorkerPool::closeAll);
  }

  private static InetAddress ipLiteral(String ip) {
    try {
      return InetAddress.getByName(ip);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(ip, e);
    }
  }
}

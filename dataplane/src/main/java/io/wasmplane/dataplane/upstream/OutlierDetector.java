package io.wasmplane.dataplane.upstream;

import io.netty.channel.EventLoop;
import io.wasmplane.dataplane.config.OutlierConfig;
import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.Gauge;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's outlier detection for one cluster: consecutive errors (inline), success rate and failure percentage (at each
 * interval, over what the hosts answered during the last one). Decisions run on one event loop: an ejection is
 * checked against max_ejection_percent, enforced with its enforcing_* probability, and lasts
 * min(base_ejection_time x back-off, max_ejection_time) + jitter, checked at every interval (so it ends on an interval
 * tick). The back-off grows by one per ejection and shrinks by one per interval the host stays in.
 */
final class OutlierDetector {
  private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);

  enum Type {
    CONSECUTIVE_5XX("consecutive_5xx"),
    CONSECUTIVE_GATEWAY_FAILURE("consecutive_gateway_failure"),
    CONSECUTIVE_LOCAL_ORIGIN_FAILURE("consecutive_local_origin_failure"),
    SUCCESS_RATE("success_rate"),
    LOCAL_ORIGIN_SUCCESS_RATE("local_origin_success_rate"),
    FAILURE_PERCENTAGE("failure_percentage"),
    LOCAL_ORIGIN_FAILURE_PERCENTAGE("local_origin_failure_percentage");

    final String stat;

    Type(String stat) {
      this.stat = stat;
    }
  }

  private final OutlierConfig config;
  private final EventLoop loop;
  private final Runnable onHealthChanged;
  private final String cluster;
  private final Gauge ejectionsActive;
  private final Counter ejectionsTotal;
  private final Counter ejectionsOverflow;
  private final Counter ejectionsEnforcedTotal;
  private final Counter ejectionsConsecutive5xx;
  private final Counter ejectionsSuccessRate;
  private final Counter[] enforced = new Counter[Type.values().length];
  private final Counter[] detected = new Counter[Type.values().length];
  private List<UpstreamHost> hosts = List.of(); // loop only
  private int active; // loop only
  private ScheduledFuture<?> timer;
  private volatile boolean stopped;
  /** The last interval's success rate average and ejection threshold, external and local origin; -1 when not computed. */
  private volatile OutlierSummary summary = OutlierSummary.NONE;
  private double[] pendingSummary = {-1, -1, -1, -1}; // detector loop only

  OutlierDetector(String cluster, OutlierConfig config, EventLoop loop, StatsRegistry stats, Runnable onHealthChanged) {
    this.cluster = cluster;
    this.config = config;
    this.loop = loop;
    this.onHealthChanged = onHealthChanged;
    String p = "cluster." + cluster + ".outlier_detection.";
    ejectionsActive = stats.gauge(p + "ejections_active");
    ejectionsTotal = stats.counter(p + "ejections_total");
    ejectionsOverflow = stats.counter(p + "ejections_overflow");
    ejectionsEnforcedTotal = stats.counter(p + "ejections_enforced_total");
    ejectionsConsecutive5xx = stats.counter(p + "ejections_consecutive_5xx");
    ejectionsSuccessRate = stats.counter(p + "ejections_success_rate");
    for (Type t : Type.values()) {
      enforced[t.ordinal()] = stats.counter(p + "ejections_enforced_" + t.stat);
      detected[t.ordinal()] = stats.counter(p + "ejections_detected_" + t.stat);
    }
    ejectionsActive.set(0);
  }

  OutlierConfig config() {
    return config;
  }

  void start() {
    long ms = Math.max(1, config.interval().toMillis()); // sub-millisecond intervals run every millisecond
    timer = loop.scheduleAtFixedRate(this::onInterval, ms, ms, TimeUnit.MILLISECONDS);
  }

  void stop() {
    stopped = true;
    if (timer != null) {
      timer.cancel(false);
    }
    loop.execute(() -> {
      for (UpstreamHost h : hosts) {
        h.outlier = OutlierMonitor.NONE;
      }
      ejectionsActive.set(0);
    });
  }

  /** The cluster's hosts changed: monitors for new hosts, removed hosts' ejections no longer count. */
  void hostsChanged(List<UpstreamHost> now) {
    for (UpstreamHost h : now) {
      if (h.outlier == OutlierMonitor.NONE) {
        h.outlier = new OutlierMonitor(this, h);
      }
    }
    loop.execute(() -> {
      for (UpstreamHost h : hosts) {
        if (!now.contains(h) && h.health().has(HostHealth.FAILED_OUTLIER_CHECK)) {
          active--;
        }
      }
      hosts = List.copyOf(now);
      ejectionsActive.set(active);
    });
  }

  /** A monitor hit a threshold (any worker thread). */
  void onConsecutiveError(UpstreamHost host, Type type) {
    if (!stopped) {
      loop.execute(() -> consecutiveError(host, type));
    }
  }

  private void consecutiveError(UpstreamHost host, Type type) {
    if (!hosts.contains(host) || host.health().has(HostHealth.FAILED_OUTLIER_CHECK)) {
      return;
    }
    detected[type.ordinal()].inc();
    eject(host, type);
    OutlierMonitor m = host.outlier;
    switch (type) {
      case CONSECUTIVE_5XX -> {
        ejectionsConsecutive5xx.inc();
        m.consecutive5xx.set(0);
      }
      case CONSECUTIVE_GATEWAY_FAILURE -> m.consecutiveGatewayFailure.set(0);
      case CONSECUTIVE_LOCAL_ORIGIN_FAILURE -> m.consecutiveLocalOriginFailure.set(0);
      default -> { }
    }
  }

  private void eject(UpstreamHost host, Type type) {
    double percent = 100.0 * (active + 1) / hosts.size();
    boolean allowed = percent <= config.maxEjectionPercent() || (config.alwaysEjectOneHost() && active == 0);
    if (!allowed) {
      ejectionsOverflow.inc();
      return;
    }
    if (type == Type.CONSECUTIVE_5XX || type == Type.SUCCESS_RATE) {
      ejectionsTotal.inc(); // Envoy's deprecated total counts 5xx and success-rate ejections only
    }
    if (ThreadLocalRandom.current().nextInt(100) >= enforcing(type)) {
      log.debug("event=outlier_detected_not_enforced cluster={} host={} type={}", cluster, host, type.stat);
      return;
    }
    OutlierMonitor m = host.outlier;
    active++;
    ejectionsActive.set(active);
    ejectionsEnforcedTotal.inc();
    enforced[type.ordinal()].inc();
    m.numEjections++;
    m.lastEjectionNanos = System.nanoTime();
    long maxJitter = config.maxEjectionTimeJitter().toMillis();
    m.jitterMillis = maxJitter == 0 ? 0 : ThreadLocalRandom.current().nextLong(maxJitter + 1);
    long base = config.baseEjectionTime().toMillis();
    if ((long) m.ejectTimeBackoff * base < config.maxEjectionTime().toMillis() + base) {
      m.ejectTimeBackoff++;
    }
    host.health().update(HostHealth.FAILED_OUTLIER_CHECK, true);
    log.info("event=outlier_ejected cluster={} host={} type={} ejections={}", cluster, host, type.stat, m.numEjections);
    onHealthChanged.run();
  }

  private int enforcing(Type type) {
    return switch (type) {
      case CONSECUTIVE_5XX -> config.enforcingConsecutive5xx();
      case CONSECUTIVE_GATEWAY_FAILURE -> config.enforcingConsecutiveGatewayFailure();
      case CONSECUTIVE_LOCAL_ORIGIN_FAILURE -> config.enforcingConsecutiveLocalOriginFailure();
      case SUCCESS_RATE -> config.enforcingSuccessRate();
      case LOCAL_ORIGIN_SUCCESS_RATE -> config.enforcingLocalOriginSuccessRate();
      case FAILURE_PERCENTAGE -> config.enforcingFailurePercentage();
      case LOCAL_ORIGIN_FAILURE_PERCENTAGE -> config.enforcingFailurePercentageLocalOrigin();
    };
  }

  private void onInterval() {
    long now = System.nanoTime();
    long base = config.baseEjectionTime().toMillis();
    long max = config.maxEjectionTime().toMillis();
    boolean changed = false;
    for (UpstreamHost h : hosts) {
      OutlierMonitor m = h.outlier;
      if (m == OutlierMonitor.NONE || !h.health().has(HostHealth.FAILED_OUTLIER_CHECK)) {
        continue;
      }
      long ejectedFor = Math.min(base * m.ejectTimeBackoff, max) + m.jitterMillis;
      if (TimeUnit.NANOSECONDS.toMillis(now - m.lastEjectionNanos) >= ejectedFor) {
        uneject(h, m, now);
        changed = true;
      }
    }
    for (UpstreamHost h : hosts) {
      if (h.outlier != OutlierMonitor.NONE) {
        h.outlier.externalOrigin.roll();
        h.outlier.localOrigin.roll();
        h.outlier.successRate = -1;
        h.outlier.localOriginSuccessRate = -1;
      }
    }
    int before = active;
    java.util.Arrays.fill(pendingSummary, -1);
    successRateEjections(false);
    successRateEjections(true);
    summary = new OutlierSummary(pendingSummary[0], pendingSummary[1], pendingSummary[2], pendingSummary[3]);
    changed |= active != before;
    long interval = config.interval().toMillis();
    for (UpstreamHost h : hosts) {
      OutlierMonitor m = h.outlier;
      if (m != OutlierMonitor.NONE && !h.health().has(HostHealth.FAILED_OUTLIER_CHECK) && m.lastUnejectionNanos >= 0
          && TimeUnit.NANOSECONDS.toMillis(now - m.lastUnejectionNanos) >= interval && m.ejectTimeBackoff > 0) {
        m.ejectTimeBackoff--;
      }
    }
    if (changed) {
      onHealthChanged.run();
    }
  }

  /**
   * Envoy's statistical ejections over the interval that just ended: hosts with enough requests whose success rate is
   * below mean - stdev_factor x stdev (when enough hosts qualify), or whose failure percentage reaches the threshold.
   */
  /** For /clusters: the success rate statistics of the last interval. */
  OutlierSummary summary() {
    return summary;
  }

  private void successRateEjections(boolean local) {
    int n = hosts.size();
    if (n < config.successRateMinimumHosts() && n < config.failurePercentageMinimumHosts()) {
      return;
    }
    List<UpstreamHost> srHosts = new java.util.ArrayList<>();
    List<UpstreamHost> fpHosts = new java.util.ArrayList<>();
    double sum = 0;
    for (UpstreamHost h : hosts) {
      OutlierMonitor m = h.outlier;
      if (m == OutlierMonitor.NONE || h.health().has(HostHealth.FAILED_OUTLIER_CHECK)) {
        continue;
      }
      SuccessRateWindow w = local ? m.localOrigin : m.externalOrigin;
      long volume = w.volume();
      if (volume == 0) {
        continue;
      }
      if (volume >= config.successRateRequestVolume()) {
        srHosts.add(h);
        sum += w.rate();
        if (local) {
          m.localOriginSuccessRate = w.rate();
        } else {
          m.successRate = w.rate();
        }
      }
      if (volume >= config.failurePercentageRequestVolume()) {
        fpHosts.add(h);
      }
    }
    if (!srHosts.isEmpty() && srHosts.size() >= config.successRateMinimumHosts()) {
      double mean = sum / srHosts.size();
      double variance = 0;
      for (UpstreamHost h : srHosts) {
        double d = window(h, local).rate() - mean;
        variance += d * d;
      }
      double threshold = mean - config.successRateStdevFactor() / 1000.0 * Math.sqrt(variance / srHosts.size());
      pendingSummary[local ? 2 : 0] = mean;
      pendingSummary[local ? 3 : 1] = threshold;
      for (UpstreamHost h : srHosts) {
        if (window(h, local).rate() < threshold && !h.health().has(HostHealth.FAILED_OUTLIER_CHECK)) {
          Type t = local ? Type.LOCAL_ORIGIN_SUCCESS_RATE : Type.SUCCESS_RATE;
          ejectionsSuccessRate.inc();
          detected[t.ordinal()].inc();
          eject(h, t);
        }
      }
    }
    if (!fpHosts.isEmpty() && fpHosts.size() >= config.failurePercentageMinimumHosts()) {
      for (UpstreamHost h : fpHosts) {
        if (100.0 - window(h, local).rate() >= config.failurePercentageThreshold()
            && !h.health().has(HostHealth.FAILED_OUTLIER_CHECK)) {
          Type t = local ? Type.LOCAL_ORIGIN_FAILURE_PERCENTAGE : Type.FAILURE_PERCENTAGE;
          detected[t.ordinal()].inc();
          eject(h, t);
        }
      }
    }
  }

  private static SuccessRateWindow window(UpstreamHost h, boolean local) {
    return local ? h.outlier.localOrigin : h.outlier.externalOrigin;
  }

  private void uneject(UpstreamHost h, OutlierMonitor m, long now) {
    active--;
    ejectionsActive.set(active);
    h.health().update(HostHealth.FAILED_OUTLIER_CHECK, false);
    m.resetCounters();
    m.lastUnejectionNanos = now;
    log.info("event=outlier_unejected cluster={} host={}", cluster, h);
  }

  /** An active health check passed (loop thread): Envoy's successful_active_health_check_uneject_host. */
  void onHealthCheckSuccess(UpstreamHost h) {
    if (config.successfulActiveHealthCheckUnejectHost() && h.health().has(HostHealth.FAILED_OUTLIER_CHECK)
        && !h.health().has(HostHealth.FAILED_ACTIVE_HC) && h.outlier != OutlierMonitor.NONE) {
      uneject(h, h.outlier, System.nanoTime());
      onHealthChanged.run();
    }
  }
}

package io.wasmplane.dataplane.upstream;

import io.wasmplane.dataplane.http.Http2FloodGuard;
import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.Gauge;
import io.wasmplane.dataplane.stats.Histogram;
import io.wasmplane.dataplane.stats.StatsRegistry;

/** Envoy's cluster.<name>.* stats, resolved once. */
public final class ClusterStats {
  public final Counter cxTotal;
  public final Gauge cxActive;
  public final Counter cxConnectFail;
  public final Counter cxConnectTimeout;
  public final Counter cxDestroy;
  public final Counter cxDestroyRemote;
  public final Counter cxIdleTimeout;
  public final Counter cxHttp1Total;
  public final Counter cxHttp2Total;
  /** HTTP/2 connections closed because a keepalive PING went unanswered. */
  public final Counter h2KeepaliveTimeout;
  /** Connections closed by the flood limits {@link Http2FloodGuard} enforces. */
  public final Http2FloodGuard.Counters h2Floods;
  /** Upstream request start to the response's last byte, in ms (completed requests only). */
  public final Histogram rqTime;
  public final Histogram cxConnectMs;
  /** Connect start to close, in ms. */
  public final Histogram cxLengthMs;
  public final Counter rqTotal;
  public final Gauge rqActive;
  public final Counter rqCompleted;
  public final Counter rqPendingTotal;
  public final Gauge rqPendingActive;
  public final Counter rqPendingOverflow;
  public final Counter rqTimeout;
  public final Counter rqRxReset;
  public final Counter rqTxReset;
  public final Counter cxNone;
  public final Counter rqRetry;
  public final Counter rqRetrySuccess;
  public final Counter rqRetryOverflow;
  public final Counter rqRetryLimitExceeded;
  public final Counter rqRetryBackoffExponential;
  public final Counter rqPerTryTimeout;
  public final Counter retryOrShadowAbandoned;
  public final Gauge membershipTotal;
  public final Gauge membershipHealthy;
  public final Gauge membershipDegraded;
  public final Gauge membershipExcluded;
  public final Counter lbHealthyPanic;
  public final Counter[] rqByClass = new Counter[6];
  private final StatsRegistry registry;
  private final java.util.concurrent.atomic.AtomicReferenceArray<Counter> rqByCode =
      new java.util.concurrent.atomic.AtomicReferenceArray<>(500);
  private final String prefix;

  public ClusterStats(StatsRegistry r, String cluster) {
    this.registry = r;
    this.prefix = "cluster." + cluster + ".";
    cxTotal = r.counter(prefix + "upstream_cx_total");
    cxActive = r.gauge(prefix + "upstream_cx_active");
    cxConnectFail = r.counter(prefix + "upstream_cx_connect_fail");
    cxConnectTimeout = r.counter(prefix + "upstream_cx_connect_timeout");
    cxDestroy = r.counter(prefix + "upstream_cx_destroy");
    cxDestroyRemote = r.counter(prefix + "upstream_cx_destroy_remote");
    cxIdleTimeout = r.counter(prefix + "upstream_cx_idle_timeout");
    cxHttp1Total = r.counter(prefix + "upstream_cx_http1_total");
    cxHttp2Total = r.counter(prefix + "upstream_cx_http2_total");
    h2KeepaliveTimeout = r.counter(prefix + "http2.keepalive_timeout");
    h2Floods = new Http2FloodGuard.Counters(r.counter(prefix + "http2.outbound_flood"),
        r.counter(prefix + "http2.inbound_priority_frames_flood"), r.counter(prefix + "http2.inbound_window_update_frames_flood"));
    rqTime = r.histogram(prefix + "upstream_rq_time");
    cxConnectMs = r.histogram(prefix + "upstream_cx_connect_ms");
    cxLengthMs = r.histogram(prefix + "upstream_cx_length_ms");
    rqTotal = r.counter(prefix + "upstream_rq_total");
    rqActive = r.gauge(prefix + "upstream_rq_active");
    rqCompleted = r.counter(prefix + "upstream_rq_completed");
    rqPendingTotal = r.counter(prefix + "upstream_rq_pending_total");
    rqPendingActive = r.gauge(prefix + "upstream_rq_pending_active");
    rqPendingOverflow = r.counter(prefix + "upstream_rq_pending_overflow");
    rqTimeout = r.counter(prefix + "upstream_rq_timeout");
    rqRxReset = r.counter(prefix + "upstream_rq_rx_reset");
    rqTxReset = r.counter(prefix + "upstream_rq_tx_reset");
    cxNone = r.counter(prefix + "upstream_cx_none_healthy");
    rqRetry = r.counter(prefix + "upstream_rq_retry");
    rqRetrySuccess = r.counter(prefix + "upstream_rq_retry_success");
    rqRetryOverflow = r.counter(prefix + "upstream_rq_retry_overflow");
    rqRetryLimitExceeded = r.counter(prefix + "upstream_rq_retry_limit_exceeded");
    rqRetryBackoffExponential = r.counter(prefix + "upstream_rq_retry_backoff_exponential");
    rqPerTryTimeout = r.counter(prefix + "upstream_rq_per_try_timeout");
    retryOrShadowAbandoned = r.counter(prefix + "retry_or_shadow_abandoned");
    membershipTotal = r.gauge(prefix + "membership_total");
    membershipHealthy = r.gauge(prefix + "membership_healthy");
    membershipDegraded = r.gauge(prefix + "membership_degraded");
    membershipExcluded = r.gauge(prefix + "membership_excluded");
    lbHealthyPanic = r.counter(prefix + "lb_healthy_panic");
    for (int i = 1; i <= 5; i++) {
      rqByClass[i] = r.counter(prefix + "upstream_rq_" + i + "xx");
    }
  }

  /** upstream_rq_<class>xx and upstream_rq_<code>, as Envoy counts them. */
  public void responseCode(int code) {
    int cls = code / 100;
    if (cls >= 1 && cls <= 5) {
      rqByClass[cls].inc();
    }
    byCode(code).inc();
  }

  /**
   * A response that was retried instead of forwarded: Envoy charges it under {@code retry.}
   * ({@code retry.upstream_rq_completed}, {@code retry.upstream_rq_5xx}, {@code retry.upstream_rq_503}). Rare, so
   * looked up by name.
   */
  public void retriedResponseCode(int code) {
    registry.counter(prefix + "retry.upstream_rq_completed").inc();
    int cls = code / 100;
    if (cls >= 1 && cls <= 5) {
      registry.counter(prefix + "retry.upstream_rq_" + cls + "xx").inc();
    }
    registry.counter(prefix + "retry.upstream_rq_" + code).inc();
  }

  /**
   * upstream_rq_drop_overload: requests the load assignment's drop_overloads answered 503. Envoy keeps this counter
   * for load reports only; here it shows in /stats once a cluster first drops one (looked up by name: rare).
   */
  public void dropOverload() {
    registry.counter(prefix + "upstream_rq_drop_overload").inc();
  }

  /** upstream_rq_&lt;code&gt;, looked up once per code (no name building per response). */
  private Counter byCode(int code) {
    if (code < 100 || code > 599) {
      return registry.counter(prefix + "upstream_rq_" + code);
    }
    Counter c = rqByCode.get(code - 100);
    if (c == null) {
      c = registry.counter(prefix + "upstream_rq_" + code);
      rqByCode.set(code - 100, c);
    }
    return c;
  }
}

package io.wasmplane.dataplane.http;

import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.Gauge;
import io.wasmplane.dataplane.stats.Histogram;
import io.wasmplane.dataplane.stats.StatsRegistry;

/** Envoy's http.<stat_prefix>.* stats, resolved once. */
public final class HcmStats {
  public final Counter cxTotal;
  public final Gauge cxActive;
  public final Counter cxHttp1Total;
  public final Counter cxHttp2Total;
  public final Counter cxSslTotal;
  public final Counter cxProtocolError;
  /** HTTP/2 connections closed because a keepalive PING went unanswered (Envoy's codec stat, rooted at http2.). */
  public final Counter h2KeepaliveTimeout;
  /** Connections closed by the HTTP/2 flood limits (max_consecutive_inbound_frames_with_empty_payload, max_outbound_control_frames). */
  public final Counter h2InboundEmptyFramesFlood;
  public final Counter h2OutboundControlFlood;
  /** The three flood limits {@link Http2FloodGuard} enforces. */
  public final Http2FloodGuard.Counters h2Floods;
  public final Counter cxIdleTimeout;
  public final Counter rqTotal;
  public final Gauge rqActive;
  public final Counter rqHttp1Total;
  public final Counter rqHttp2Total;
  public final Counter rqCompleted;
  public final Counter rqTimeout;
  public final Counter rqIdleTimeout;
  public final Counter rqHeaderTooLarge;
  /** normalize_path / path_with_escaped_slashes_action refused the path (400). */
  public final Counter rqFailedPathNormalization;
  /** UNESCAPE_AND_REDIRECT sent the client to the unescaped path (307). */
  public final Counter rqRedirectedWithNormalizedPath;
  public final Counter[] rqByClass = new Counter[6];
  public final Counter noRoute;
  public final Counter noCluster;
  public final Counter rqDirectResponse;
  public final Counter rqRedirect;
  public final Counter routerRqTotal;
  /** Upgrade requests refused (403) because the HCM or the route does not enable their upgrade type. */
  public final Counter rqWsOnNonWsRoute;
  public final Counter cxUpgradesTotal;
  public final Gauge cxUpgradesActive;
  /** Stream start to its end (last response byte or reset), in ms. */
  public final Histogram rqTime;
  /** Connection accepted to closed, in ms. */
  public final Histogram cxLengthMs;

  private final StatsRegistry registry;
  private final String prefix;

  public HcmStats(StatsRegistry r, String statPrefix) {
    String p = "http." + statPrefix + ".";
    registry = r;
    prefix = p;
    cxTotal = r.counter(p + "downstream_cx_total");
    h2KeepaliveTimeout = r.counter("http2.keepalive_timeout");
    h2InboundEmptyFramesFlood = r.counter("http2.inbound_empty_frames_flood");
    h2OutboundControlFlood = r.counter("http2.outbound_control_flood");
    h2Floods = new Http2FloodGuard.Counters(r.counter("http2.outbound_flood"), r.counter("http2.inbound_priority_frames_flood"),
        r.counter("http2.inbound_window_update_frames_flood"));
    cxActive = r.gauge(p + "downstream_cx_active");
    cxHttp1Total = r.counter(p + "downstream_cx_http1_total");
    cxHttp2Total = r.counter(p + "downstream_cx_http2_total");
    cxSslTotal = r.counter(p + "downstream_cx_ssl_total");
    cxProtocolError = r.counter(p + "downstream_cx_protocol_error");
    cxIdleTimeout = r.counter(p + "downstream_cx_idle_timeout");
    rqTotal = r.counter(p + "downstream_rq_total");
    rqActive = r.gauge(p + "downstream_rq_active");
    rqHttp1Total = r.counter(p + "downstream_rq_http1_total");
    rqHttp2Total = r.counter(p + "downstream_rq_http2_total");
    rqCompleted = r.counter(p + "downstream_rq_completed");
    rqTimeout = r.counter(p + "downstream_rq_timeout");
    rqIdleTimeout = r.counter(p + "downstream_rq_idle_timeout");
    rqHeaderTooLarge = r.counter(p + "downstream_rq_header_too_large");
    rqFailedPathNormalization = r.counter(p + "downstream_rq_failed_path_normalization");
    rqRedirectedWithNormalizedPath = r.counter(p + "downstream_rq_redirected_with_normalized_path");
    for (int i = 1; i <= 5; i++) {
      rqByClass[i] = r.counter(p + "downstream_rq_" + i + "xx");
    }
    noRoute = r.counter(p + "no_route");
    noCluster = r.counter(p + "no_cluster");
    rqDirectResponse = r.counter(p + "rq_direct_response");
    rqRedirect = r.counter(p + "rq_redirect");
    routerRqTotal = r.counter(p + "rq_total");
    rqWsOnNonWsRoute = r.counter(p + "downstream_rq_ws_on_non_ws_route");
    cxUpgradesTotal = r.counter(p + "downstream_cx_upgrades_total");
    cxUpgradesActive = r.gauge(p + "downstream_cx_upgrades_active");
    rqTime = r.histogram(p + "downstream_rq_time");
    cxLengthMs = r.histogram(p + "downstream_cx_length_ms");
  }

  /** A filter's own counter under http.<stat_prefix>. (e.g. "cors.origin_valid"); resolve once, not per request. */
  public Counter counter(String name) {
    return registry.counter(prefix + name);
  }

  /** The server's stats, for filters whose stats Envoy roots outside http.<stat_prefix>. (e.g. local rate limit). */
  public StatsRegistry registry() {
    return registry;
  }

  /** A filter's own gauge under http.<stat_prefix>.; resolve once, not per request. */
  public Gauge gauge(String name) {
    return registry.gauge(prefix + name);
  }

  public void responseCode(int code) {
    int cls = code / 100;
    if (cls >= 1 && cls <= 5) {
      rqByClass[cls].inc();
    }
  }
}

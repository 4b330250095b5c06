package io.wasmplane.dataplane.network;

import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.Gauge;
import io.wasmplane.dataplane.stats.StatsRegistry;

/** Envoy's TCP proxy statistics, {@code tcp.<stat_prefix>.*}. */
final class TcpProxyStats {
  final Counter downstreamCxTotal;
  final Counter downstreamCxNoRoute;
  final Counter downstreamCxRxBytesTotal;
  final Gauge downstreamCxRxBytesBuffered;
  final Counter downstreamCxTxBytesTotal;
  final Gauge downstreamCxTxBytesBuffered;
  final Counter downstreamFlowControlPausedReadingTotal;
  final Counter downstreamFlowControlResumedReadingTotal;
  final Counter idleTimeout;
  final Counter upstreamFlushTotal;
  final Gauge upstreamFlushActive;

  TcpProxyStats(StatsRegistry r, String statPrefix) {
    String p = "tcp." + statPrefix + ".";
    downstreamCxTotal = r.counter(p + "downstream_cx_total");
    downstreamCxNoRoute = r.counter(p + "downstream_cx_no_route");
    downstreamCxRxBytesTotal = r.counter(p + "downstream_cx_rx_bytes_total");
    downstreamCxRxBytesBuffered = r.gauge(p + "downstream_cx_rx_bytes_buffered");
    downstreamCxTxBytesTotal = r.counter(p + "downstream_cx_tx_bytes_total");
    downstreamCxTxBytesBuffered = r.gauge(p + "downstream_cx_tx_bytes_buffered");
    downstreamFlowControlPausedReadingTotal = r.counter(p + "downstream_flow_control_paused_reading_total");
    downstreamFlowControlResumedReadingTotal = r.counter(p + "downstream_flow_control_resumed_reading_total");
    idleTimeout = r.counter(p + "idle_timeout");
    upstreamFlushTotal = r.counter(p + "upstream_flush_total");
    upstreamFlushActive = r.gauge(p + "upstream_flush_active");
  }
}

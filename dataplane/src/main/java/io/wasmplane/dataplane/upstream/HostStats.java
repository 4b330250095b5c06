package io.wasmplane.dataplane.upstream;

import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.Gauge;

/**
 * Envoy's per-host stats, as /clusters prints them: counted by the pools and streams of every worker (lock-free adders,
 * no lookup per request). Like Envoy's host stats they live with the host, outside the stats store: /stats does not
 * show them and /reset_counters leaves them alone. {@code rq_active} is the host's own active-request count.
 */
public final class HostStats {
  public final Counter cxTotal = new Counter();
  public final Gauge cxActive = new Gauge();
  public final Counter cxConnectFail = new Counter();
  public final Counter rqTotal = new Counter();
  public final Counter rqSuccess = new Counter();
  public final Counter rqError = new Counter();
  public final Counter rqTimeout = new Counter();

  /** A response head from this host: 5xx is an error, anything else a success (Envoy's chargeUpstreamCode). */
  void response(int status) {
    (status >= 500 && status < 600 ? rqError : rqSuccess).inc();
  }
}

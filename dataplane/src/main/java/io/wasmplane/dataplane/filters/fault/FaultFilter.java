package io.wasmplane.dataplane.filters.fault;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.concurrent.ScheduledFuture;
import io.wasmplane.dataplane.config.FaultConfig;
import io.wasmplane.dataplane.config.HeaderMatcherSpec;
import io.wasmplane.dataplane.config.RequestFacts;
import io.wasmplane.dataplane.config.RouteAction;
import io.wasmplane.dataplane.config.RouteEntry;
import io.wasmplane.dataplane.http.FilterCallbacks;
import io.wasmplane.dataplane.http.FilterStatus;
import io.wasmplane.dataplane.http.HttpFilter;
import io.wasmplane.dataplane.http.ResponseFlag;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's fault filter on one stream: picks the route's fault config (else the filter's), and for a request it applies
 * to, holds it for a delay (a timer on the stream's event loop) and/or answers it with an abort. Delays come before
 * aborts; each stream counts once against max_active_faults while a fault is in progress.
 */
final class FaultFilter implements HttpFilter {
  static final String DELAY_HEADER = "x-envoy-fault-delay-request";
  static final String DELAY_PERCENT_HEADER = "x-envoy-fault-delay-request-percentage";
  static final String ABORT_HEADER = "x-envoy-fault-abort-request";
  static final String ABORT_GRPC_HEADER = "x-envoy-fault-abort-grpc-request";
  static final String ABORT_PERCENT_HEADER = "x-envoy-fault-abort-request-percentage";
  static final String DOWNSTREAM_NODE_HEADER = "x-envoy-downstream-service-node";
  static final String DOWNSTREAM_CLUSTER_HEADER = "x-envoy-downstream-service-cluster";
  static final String ABORT_BODY = "fault filter abort";

  private final FilterCallbacks callbacks;
  private final String name;
  private final FaultConfig filterLevel;
  private final FaultStats stats;
  private FaultConfig config;
  private HttpHeaders requestHeaders;
  private ScheduledFuture<?> delayTimer;
  private boolean faultActive;
  private boolean destroyed;

  FaultFilter(FilterCallbacks callbacks, String name, FaultConfig filterLevel, FaultStats stats) {
    this.callbacks = callbacks;
    this.name = name;
    this.filterLevel = filterLevel;
    this.stats = stats;
  }

  @Override
  public FilterStatus decodeHeaders(HttpRequest request, boolean endStream) {
    requestHeaders = request.headers();
    // The stream's cached route, which the router then reuses; none is matched when no route configures this filter
    // and the filter's own config does not need it (a later filter changing the headers would make it a wasted match).
    boolean needsRoute = !filterLevel.upstreamCluster().isEmpty() || callbacks.routeTable().configuresFilter(name, false);
    Optional<RouteEntry> route = needsRoute ? callbacks.route() : Optional.empty();
    config = route.isPresent() ? route.get().filterConfigs().get(name, FaultConfig.class).orElse(filterLevel) : filterLevel;
    if (config.delay().isEmpty() && config.abort().isEmpty()) {
      return FilterStatus.CONTINUE; // Istio's filter-level config, and a route's empty one
    }
    if (!matchesUpstreamCluster(route) || !matchesDownstreamNode() || !matchesHeaders(request)) {
      return FilterStatus.CONTINUE;
    }
    long delayMs = delayMillis();
    if (delayMs > 0 && tryActivate()) {
      delayTimer = callbacks.eventLoop().schedule(this::afterDelay, delayMs, TimeUnit.MILLISECONDS);
      stats.delaysInjected.inc();
      String downstream = downstreamCluster();
      if (downstream != null) {
        stats.downstreamDelays(downstream).inc();
      }
      callbacks.streamInfo().setFlag(ResponseFlag.DELAY_INJECTED);
      return FilterStatus.STOP_ITERATION;
    }
    return maybeAbort() ? FilterStatus.STOP_ITERATION : FilterStatus.CONTINUE;
  }

  @Override
  public FilterStatus decodeData(ByteBuf data, boolean endStream) {
    return delayTimer == null ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION;
  }

  @Override
  public FilterStatus decodeTrailers(HttpHeaders trailers) {
    return delayTimer == null ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION;
  }

  @Override
  public void onDestroy() {
    destroyed = true;
    if (delayTimer != null) {
      delayTimer.cancel(false); // the client went away during the delay
      delayTimer = null;
    }
    releaseActiveFault();
  }

  private void afterDelay() {
    delayTimer = null;
    if (destroyed) {
      return;
    }
    if (!maybeAbort()) {
      releaseActiveFault(); // the delay is over and nothing else is in progress
      callbacks.continueDecoding();
    }
  }

  /** Answers locally if an abort is configured, sampled in and has a status; true if it did. */
  private boolean maybeAbort() {
    Optional<FaultConfig.Abort> abort = config.abort();
    if (abort.isEmpty() || !percent(abort.get().percent(), ABORT_PERCENT_HEADER, abort.get().fromHeader())) {
      return false;
    }
    Integer http = abort.get().httpStatus().orElse(null);
    Integer grpc = abort.get().grpcStatus().orElse(null);
    if (abort.get().fromHeader()) {
      http = headerInt(ABORT_HEADER);
      if (http != null && (http < 200 || http >= 600)) {
        http = null;
      }
      grpc = http != null ? null : headerInt(ABORT_GRPC_HEADER);
    }
    if (http == null && grpc == null) {
      return false;
    }
    if (!tryActivate()) {
      return false;
    }
    stats.abortsInjected.inc();
    String downstream = downstreamCluster();
    if (downstream != null) {
      stats.downstreamAborts(downstream).inc();
    }
    callbacks.streamInfo().setFlag(ResponseFlag.FAULT_INJECTED);
    // A gRPC status aborts a non-gRPC request with HTTP 200; a gRPC request gets the gRPC status, or the HTTP one mapped.
    callbacks.sendLocalReply(http != null ? http : 200, ABORT_BODY, null, "fault_filter_abort", grpc != null ? grpc : -1);
    return true;
  }

  /** The x-envoy-downstream-service-cluster to count this request's faults under, if any. */
  private String downstreamCluster() {
    String c = config.downstreamClusterStats() ? requestHeaders.get(DOWNSTREAM_CLUSTER_HEADER) : null;
    return c == null || c.isEmpty() ? null : c;
  }

  /** The delay for this request in ms, 0 for none. */
  private long delayMillis() {
    Optional<FaultConfig.Delay> delay = config.delay();
    if (delay.isEmpty() || !percent(delay.get().percent(), DELAY_PERCENT_HEADER, delay.get().fromHeader())) {
      return 0;
    }
    if (delay.get().fixed().isPresent()) {
      return delay.get().fixed().get().toMillis();
    }
    Integer ms = headerInt(DELAY_HEADER);
    return ms == null ? 0 : ms;
  }

  /** A sample of the configured percentage; a header-controlled fault's request may ask for less, never more. */
  private boolean percent(FaultConfig.Percent configured, String header, boolean fromHeader) {
    FaultConfig.Percent p = fromHeader ? configured.boundedBy(requestHeaders.get(header)) : configured;
    return p.sample(ThreadLocalRandom.current());
  }

  private Integer headerInt(String header) {
    String v = requestHeaders.get(header);
    if (v == null) {
      return null;
    }
    try {
      int n = Integer.parseInt(v.trim());
      return n < 0 ? null : n;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * Counts this stream as an active fault, once, unless max_active_faults is reached (a fuzzy limit as in Envoy: the
   * gauge is read, not compared-and-set).
   */
  private boolean tryActivate() {
    if (faultActive) {
      return true;
    }
    if (stats.activeFaults.value() >= config.maxActiveFaults()) {
      stats.faultsOverflow.inc();
      return false;
    }
    stats.activeFaults.inc();
    faultActive = true;
    return true;
  }

  private void releaseActiveFault() {
    if (faultActive) {
      faultActive = false;
      stats.activeFaults.dec();
    }
  }

  /**
   * upstream_cluster limits faults to requests bound to that cluster. The cluster is known here for a route with one
   * cluster or a cluster_header; a weighted route's pick happens later, in the router, so it never matches.
   */
  private boolean matchesUpstreamCluster(Optional<RouteEntry> route) {
    if (config.upstreamCluster().isEmpty()) {
      return true;
    }
    if (route.isEmpty() || !(route.get().action() instanceof RouteAction.Forward f)) {
      return false;
    }
    String cluster = f.clusterHeader() != null ? requestHeaders.get(f.clusterHeader())
        : f.clusters().size() == 1 ? f.clusters().get(0).name() : null;
    return config.upstreamCluster().equals(cluster);
  }

  private boolean matchesDownstreamNode() {
    if (config.downstreamNodes().isEmpty()) {
      return true;
    }
    String node = requestHeaders.get(DOWNSTREAM_NODE_HEADER);
    return node != null && config.downstreamNodes().contains(node);
  }

  private boolean matchesHeaders(HttpRequest request) {
    if (config.headers().isEmpty()) {
      return true;
    }
    RequestFacts facts = RequestFacts.of(request);
    for (HeaderMatcherSpec h : config.headers()) {
      if (!h.matches(facts)) {
        return false;
      }
    }
    return true;
  }
}

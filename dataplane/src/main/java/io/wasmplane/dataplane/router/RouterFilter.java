package io.wasmplane.dataplane.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.wasmplane.dataplane.accesslog.AccessLogFormat;
import io.wasmplane.dataplane.config.HeaderMutations;
import io.wasmplane.dataplane.config.RequestFacts;
import io.wasmplane.dataplane.config.RouteAction;
import io.wasmplane.dataplane.config.RouteEntry;
import io.wasmplane.dataplane.config.UpgradeConfigs;
import io.wasmplane.dataplane.http.FilterCallbacks;
import io.wasmplane.dataplane.http.FilterStatus;
import io.wasmplane.dataplane.http.HcmStats;
import io.wasmplane.dataplane.http.HttpFilter;
import io.wasmplane.dataplane.http.HttpStream;
import io.wasmplane.dataplane.http.LoopTimers;
import io.wasmplane.dataplane.http.ResponseFlag;
import io.wasmplane.dataplane.http.StreamInfo;
import io.wasmplane.dataplane.upstream.ClusterManager;
import io.wasmplane.dataplane.upstream.ResetReason;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.dataplane.upstream.UpstreamListener;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * envoy.filters.http.router: the terminal filter. Picks the route (after earlier filters had their say on the
 * headers), then a cluster and host, forwards the request and feeds the response back into the stream.
 */
public final class RouterFilter implements HttpFilter, HttpStream.StreamAware, HttpStream.StreamResettable, UpstreamListener {
  private final FilterCallbacks callbacks;
  private final ClusterManager clusters;
  private final HcmStats stats;
  private final UpgradeConfigs upgrades;
  /** The upgrade type of an allowed HTTP/1.1 upgrade request to an HTTP/1.1 cluster, else null. */
  private String upgradeType;
  private UpgradeTunnel tunnel;
  private ConnectTermination connectTermination;
  /** An upgrade or CONNECT from an HTTP/2 downstream: its tunnel is the stream's DATA. */
  private H2UpgradeBridge h2Bridge;
  private boolean h2Tunneling;
  private boolean destroyed;
  private HttpStream stream;
  private RetryingUpstream upstream;
  private UpstreamCluster cluster;
  private LoopTimers.Timeout timeout;
  private LoopTimers.Timeout streamDeadline;
  private boolean responseStarted;
  private HeaderMutations responseHeaders = HeaderMutations.NONE;
  private java.util.List<RequestMirror> mirrors = java.util.List.of();
  /** Set-Cookie values a cookie hash policy generated for this request's response. */
  private java.util.List<String> hashCookies = java.util.List.of();

  /** {@code upgrades}: the HCM's upgrade_configs, which routes may override per type. */
  public RouterFilter(FilterCallbacks callbacks, ClusterManager clusters, HcmStats stats, UpgradeConfigs upgrades) {
    this.callbacks = callbacks;
    this.clusters = clusters;
    this.stats = stats;
    this.upgrades = upgrades;
  }

  @Override
  public void attach(HttpStream stream) {
    this.stream = stream;
    // Attached when the stream's filters are created, before any of them sees the request.
    if (stream.request() != null) {
      InternalOnlyHeaders.strip(stream.routeTable().internalOnlyHeaders(), stream.request().headers());
    }
  }

  @Override
  public FilterStatus decodeHeaders(HttpRequest request, boolean end) {
    StreamInfo info = callbacks.streamInfo();
    stats.routerRqTotal.inc();
    // Envoy: only a connect_matcher route matches CONNECT; prefix/path/regex routes never do (RouteMatchSpec).
    // The stream's cached route: matched here unless an earlier filter used it and no filter changed the headers since.
    Optional<RouteEntry> route = stream.route();
    RequestFacts facts = stream.routeFacts();
    String upgrade = route.isPresent() ? UpgradeGate.type(request) : null;
    if (upgrade != null && !upgrades.allows(upgrade,
        route.get().action() instanceof RouteAction.Forward fw ? fw.upgrades() : UpgradeConfigs.NONE)) {
      // Envoy refuses, on a matched route, an upgrade type the HCM does not list or the route disables.
      stats.rqWsOnNonWsRoute.inc();
      localReply(403, "", "upgrade_failed");
      return FilterStatus.STOP_ITERATION;
    }
    upgradeType = upgrade;
    if (route.isEmpty()) {
      stats.noRoute.inc();
      info.setFlag(ResponseFlag.NO_ROUTE_FOUND);
      localReply(404, "", "route_not_found");
      return FilterStatus.STOP_ITERATION;
    }
    RouteEntry r = route.get();
    info.routeName = r.name();
    responseHeaders = r.responseHeaders();
    if (r.action() instanceof RouteAction.DirectResponse d) {
      stats.rqDirectResponse.inc();
      localReply(d.status(), d.body().orElse(""), "direct_response");
      return FilterStatus.STOP_ITERATION;
    }
    if (r.action() instanceof RouteAction.Redirect redirect) {
      stats.rqRedirect.inc();
      HttpHeaders location = new DefaultHttpHeaders();
      location.set(HttpHeaderNames.LOCATION, Redirects.location(redirect, request.uri(), request.headers().get(HttpHeaderNames.HOST),
          facts.scheme()));
      localReply(redirect.status(), "", "direct_response", location);
      return FilterStatus.STOP_ITERATION;
    }
    RouteAction.Forward f = (RouteAction.Forward) r.action();
    if (f.idleTimeout() != null) {
      stream.setIdleTimeout(f.idleTimeout());
    }
    RouteAction.WeightedCluster picked = f.clusterHeader() != null ? null
        : f.clusters().size() == 1 ? f.clusters().get(0) : f.pick(ThreadLocalRandom.current().nextInt(f.totalWeight()));
    String clusterName = picked != null ? picked.name() : request.headers().get(f.clusterHeader());
    HeaderMutations requestHeaders = picked != null && picked.requestHeaders() != null ? picked.requestHeaders() : r.requestHeaders();
    if (picked != null && picked.responseHeaders() != null) {
      responseHeaders = picked.responseHeaders();
    }
    info.upstreamCluster = clusterName;
    cluster = clusterName == null ? null : clusters.get(clusterName);
    boolean terminateConnect = UpgradeConfigs.CONNECT.equals(upgradeType) && f.upgrades().terminateConnect();
    if (cluster != null && !terminateConnect
        && cluster.config().protocol() != io.wasmplane.dataplane.config.ClusterConfig.UpstreamProtocol.HTTP1) {
      upgradeType = null; // no tunnel over an HTTP/2 upstream: the upgrade goes out as an ordinary request
    }
    if (cluster == null) {
      stats.noCluster.inc();
      info.setFlag(ResponseFlag.NO_CLUSTER_FOUND);
      localReply(f.clusterNotFoundCode(), "", "cluster_not_found");
      return FilterStatus.STOP_ITERATION;
    }
    if (cluster.dropsOverload()) {
      DropOverloadReply.record(cluster, info);
      localReply(503, DropOverloadReply.BODY, DropOverloadReply.DETAILS, DropOverloadReply.headers());
      return FilterStatus.STOP_ITERATION;
    }
    if (upgradeType != null && "HTTP/2".equals(info.protocol)) {
      h2Bridge = new H2UpgradeBridge(stream);
      end = true; // the upgrade request goes out whole (no body framing); the stream's DATA is the tunnel's
    }
    if (terminateConnect) {
      terminateConnect(info);
      return FilterStatus.STOP_ITERATION;
    }
    // The head is prepared once (rewrites and header edits applied once); each try sends it or, on a retry, a copy.
    HttpRequest upstreamRequest = upstreamRequest(request, f, picked, requestHeaders, end);
    RetryState retry = RetryState.create(f.retryPolicy(), request.headers(), facts, cluster);
    upstream = new RetryingUpstream(this, stream, cluster, retry, f,
        new PreparedHead(upstreamRequest, end, f.hostRewrite().auto() ? cluster : null));
    if (!f.hashPolicy().isEmpty() && cluster.config().lbPolicy().hashing()) {
      RequestHash h = RequestHash.compute(f.hashPolicy(), request, info.downstreamRemote, info.downstreamLocal);
      upstream.hashKey(h.hash());
      hashCookies = h.setCookies();
    }
    info.upstreamRequestStartNanos = System.nanoTime();
    long ms = f.timeout().toMillis();
    if (ms > 0) {
      timeout = LoopTimers.of(callbacks.eventLoop()).start(info.upstreamRequestStartNanos, ms, this::onTimeout); // spans every try
    }
    if (!f.mirrors().isEmpty()) {
      mirrors = startMirrors(f, upstreamRequest, end);
    }
    if (!upstream.start(end)) {
      upstream = null;
      cancelTimeout();
      info.setFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
      localReply(503, "no healthy upstream", "no_healthy_upstream");
      return FilterStatus.STOP_ITERATION;
    }
    long deadline = StreamDeadline.millis(f.streamDuration(), request.headers());
    if (deadline > 0) {
      long left = Math.max(1, deadline - (info.upstreamRequestStartNanos - info.startNanos) / 1_000_000);
      streamDeadline = LoopTimers.of(callbacks.eventLoop()).start(left, this::onStreamDeadline);
    }
    return FilterStatus.STOP_ITERATION;
  }

  /** connect_config: the proxy opens the TCP connection itself and answers 200 once it is up (Envoy's TCP upstream). */
  private void terminateConnect(StreamInfo info) {
    io.wasmplane.dataplane.upstream.UpstreamHost host = cluster.chooseHost();
    if (host == null) {
      info.setFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
      localReply(503, "no healthy upstream", "no_healthy_upstream");
      return;
    }
    info.upstreamHost = host.addressString();
    info.upstreamRequestStartNanos = System.nanoTime();
    tunnel = h2Bridge == null ? new UpgradeTunnel(stats) : null;
    java.util.function.Consumer<io.netty.channel.Channel> attach = h2Bridge == null ? tunnel::attachUpstream : h2Bridge::attachUpstream;
    Runnable abandon = h2Bridge == null ? tunnel::abandon : h2Bridge::close;
    connectTermination = ConnectTermination.start(cluster, host, callbacks.eventLoop(), attach, abandon, () -> {
      if (h2Bridge == null) {
        info.upgradeDownstream = tunnel::attachDownstream;
      }
      // HTTP/1.1: the 200 ends the stream and the connection switches; HTTP/2: the stream stays open for the DATA.
      onUpstreamHeaders(new DefaultHttpResponse(HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpResponseStatus.OK), h2Bridge == null);
    }, detail -> onUpstreamReset(ResetReason.CONNECTION_FAILURE, detail));
  }

  private java.util.List<RequestMirror> startMirrors(RouteAction.Forward f, HttpRequest upstreamRequest, boolean end) {
    java.util.List<RequestMirror> started = new java.util.ArrayList<>(f.mirrors().size());
    for (RouteAction.Mirror m : f.mirrors()) {
      RequestMirror rm = RequestMirror.start(m, clusters, callbacks.eventLoop(), upstreamRequest, end, f.timeout().toMillis());
      if (rm != null) {
        started.add(rm);
      }
    }
    return started;
  }

  private AccessLogFormat.Entry entry(HttpResponse response) {
    return new AccessLogFormat.Entry(callbacks.streamInfo(), stream.request(), response);
  }

  private HttpRequest upstreamRequest(HttpRequest request, RouteAction.Forward f, RouteAction.WeightedCluster picked,
      HeaderMutations requestHeaders, boolean end) {
    String uri = request.uri();
    if (f.pathRewrite() != null) {
      request.headers().set("x-envoy-original-path", uri);
      uri = f.pathRewrite().rewrite(uri);
    }
    // A request without body goes out as one full message sharing the stream's header map, edited in place as
    // Envoy's router edits the downstream map; one with a body gets a copy, because its upstream framing
    // (transfer-encoding) must not show in the stream's own headers.
    HttpHeaders h = end ? request.headers() : new DefaultHttpHeaders().set(request.headers());
    HopByHop.strip(h);
    if (upgradeType != null && !UpgradeConfigs.CONNECT.equals(upgradeType)) {
      UpgradeRequests.keep(h, upgradeType);
    }
    h.remove(HttpHeaderNames.EXPECT); // 100-continue is answered locally, as Envoy does by default
    HttpRequest out = framed(request.method(), uri, h, end);
    if (!requestHeaders.isEmpty()) {
      requestHeaders.apply(h, entry(null));
    }
    if (picked != null && picked.hostRewriteLiteral().isPresent()) {
      h.set(HttpHeaderNames.HOST, picked.hostRewriteLiteral().get());
    } else if (f.hostRewriteLiteral().isPresent()) {
      h.set(HttpHeaderNames.HOST, f.hostRewriteLiteral().get());
    } else if (f.hostRewrite().header() != null) {
      String v = request.headers().get(f.hostRewrite().header());
      if (v != null && !v.isEmpty()) {
        h.set(HttpHeaderNames.HOST, v);
      }
    } else if (f.hostRewrite().pathRegex() != null) {
      int q = request.uri().indexOf('?');
      String path = q < 0 ? request.uri() : request.uri().substring(0, q);
      h.set(HttpHeaderNames.HOST, f.hostRewrite().pathRegex().matcher(path).replaceAll(f.hostRewrite().pathSubstitution()));
    }
    return out;
  }

  @Override
  public FilterStatus decodeData(ByteBuf data, boolean end) {
    if (h2Bridge != null) {
      h2Bridge.toUpstream(data, end);
      return FilterStatus.STOP_ITERATION;
    }
    for (RequestMirror m : mirrors) {
      m.data(data, end);
    }
    if (upstream != null && !upstream.done()) {
      upstream.sendData(data, end);
    } else {
      data.release();
    }
    return FilterStatus.STOP_ITERATION;
  }

  @Override
  public FilterStatus decodeTrailers(HttpHeaders trailers) {
    for (RequestMirror m : mirrors) {
      m.trailers(trailers);
    }
    if (upstream != null && !upstream.done()) {
      upstream.sendTrailers(trailers);
    }
    return FilterStatus.STOP_ITERATION;
  }

  // ---------------------------------------------------------------- upstream response

  @Override
  public void onUpstreamHeaders(HttpResponse response, boolean end) {
    responseStarted = true;
    StreamInfo info = callbacks.streamInfo();
    info.firstUpstreamByteNanos = System.nanoTime();
    info.responseCodeDetails = "via_upstream"; // Envoy's details for a response the upstream sent (a filter may change it)
    cluster.stats().responseCode(response.status().code());
    // The upstream response is ours alone: its header map is edited in place and handed on, not copied.
    HttpResponse down = new DefaultHttpResponse(HttpVersion.HTTP_1_1, response.status(), response.headers());
    String upgraded = upgradeType != null && response.status().code() == 101 ? response.headers().get(HttpHeaderNames.UPGRADE) : null;
    // A forwarded CONNECT that the upstream accepted (2xx) is a tunnel too, without Upgrade headers.
    boolean connected = UpgradeConfigs.CONNECT.equals(upgradeType) && connectTermination == null && response.status().code() / 100 == 2;
    HopByHop.strip(down.headers());
    if (h2Bridge != null && (upgraded != null || connected)) {
      // Envoy's H1-to-H2 upgrade response: 101 becomes 200 and the stream carries the tunnel; the route timeout ends.
      cancelTimeout();
      h2Tunneling = true;
      upstream.takeOverOnComplete(h2Bridge::attachUpstream);
      down = new DefaultHttpResponse(HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpResponseStatus.OK, down.headers());
      down.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
      end = false;
    } else if (h2Bridge != null && connectTermination == null) {
      h2Bridge.close(); // refused: an ordinary response
      h2Bridge = null;
    } else if (upgraded != null || connected) {
      if (upgraded != null) {
        UpgradeRequests.keep(down.headers(), upgraded);
      }
      tunnel = new UpgradeTunnel(stats);
      upstream.takeOverOnComplete(tunnel::attachUpstream);
      info.upgradeDownstream = tunnel::attachDownstream;
    }
    for (String c : hashCookies) {
      down.headers().add(HttpHeaderNames.SET_COOKIE, c);
    }
    down.headers().set("x-envoy-upstream-service-time",
        Long.toString((info.firstUpstreamByteNanos - info.upstreamRequestStartNanos) / 1_000_000));
    if (!responseHeaders.isEmpty()) {
      responseHeaders.apply(down.headers(), entry(down));
    }
    if (end) {
      cancelTimeout();
    }
    stream.encodeHeaders(down, end);
  }

  @Override
  public void onUpstreamData(ByteBuf data, boolean end) {
    if (h2Tunneling) {
      data.release(); // the end of the 101 exchange: the stream goes on as the tunnel
      return;
    }
    if (end) {
      cancelTimeout();
    }
    stream.encodeData(data, end);
  }

  @Override
  public void onUpstreamTrailers(HttpHeaders trailers) {
    cancelTimeout();
    stream.encodeTrailers(trailers);
  }

  @Override
  public void onUpstreamReset(ResetReason reason, String detail) {
    cancelTimeout();
    StreamInfo info = callbacks.streamInfo();
    ResponseFlag flag = switch (reason) {
      case CONNECTION_FAILURE -> ResponseFlag.UPSTREAM_CONNECTION_FAILURE;
      case CONNECTION_TERMINATION -> ResponseFlag.UPSTREAM_CONNECTION_TERMINATION;
      case OVERFLOW -> ResponseFlag.UPSTREAM_OVERFLOW;
      case REMOTE_RESET, REFUSED_STREAM -> ResponseFlag.UPSTREAM_REMOTE_RESET;
      case PROTOCOL_ERROR -> ResponseFlag.UPSTREAM_PROTOCOL_ERROR;
      case LOCAL_RESET -> ResponseFlag.LOCAL_RESET;
    };
    info.setFlag(flag);
    if (responseStarted) {
      stream.resetStream();
      return;
    }
    int status = reason == ResetReason.PROTOCOL_ERROR ? 502 : 503;
    cluster.stats().responseCode(status);
    String body = "upstream connect error or disconnect/reset before headers. reset reason: " + reason.text()
        + (reason == ResetReason.CONNECTION_FAILURE ? ", transport failure reason: " + detail : "");
    localReply(status, body, "upstream_reset_before_response_started{" + reason.text().replace(' ', '_') + "}");
  }

  private void onTimeout() {
    timeout = null;
    if (upstream == null || upstream.done()) {
      return;
    }
    cluster.stats().rqTimeout.inc();
    upstream.host().outlier().putTimeout();
    upstream.timedOut();
    callbacks.streamInfo().setFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
    upstream.reset();
    if (responseStarted) {
      stream.resetStream();
    } else {
      cluster.stats().responseCode(504);
      localReply(504, "upstream request timeout", "upstream_response_timeout");
    }
  }

  /** route.v3 max_stream_duration: 408 while the request is still arriving, 504 after (Envoy's DT). */
  private void onStreamDeadline() {
    streamDeadline = null;
    if (stream.finished()) {
      return;
    }
    callbacks.streamInfo().setFlag(ResponseFlag.DURATION_TIMEOUT);
    if (upstream != null && !upstream.done()) {
      upstream.reset();
    }
    if (responseStarted) {
      stream.resetStream();
    } else {
      localReply(stream.requestEnded() ? 504 : 408, "downstream duration timeout", "max_duration_timeout",
          upstream == null ? null : upstream.localReplyHeaders(), io.wasmplane.dataplane.http.GrpcLocalReply.DEADLINE_EXCEEDED);
    }
  }

  private void localReply(int status, String body, String details) {
    localReply(status, body, details, upstream == null ? null : upstream.localReplyHeaders());
  }

  /**
   * A local reply from the router gets the route's response header edits, as Envoy's modify_headers does (and the
   * attempt count after upstream tries, when the virtual host asks).
   */
  private void localReply(int status, String body, String details, HttpHeaders extra) {
    localReply(status, body, details, extra, io.wasmplane.dataplane.http.GrpcLocalReply.NONE);
  }

  /** {@code grpcStatus}: what a gRPC request gets instead of the HTTP status mapped (GrpcLocalReply.NONE: the mapping). */
  private void localReply(int status, String body, String details, HttpHeaders extra, int grpcStatus) {
    if (!responseHeaders.isEmpty()) {
      if (extra == null) {
        extra = new DefaultHttpHeaders();
      }
      responseHeaders.apply(extra, entry(null));
    }
    stream.sendLocalReply(Integer.MAX_VALUE, status, body, extra, details, grpcStatus);
  }

  private void cancelTimeout() {
    if (timeout != null) {
      timeout.cancel();
      timeout = null;
    }
    if (streamDeadline != null) {
      streamDeadline.cancel();
      streamDeadline = null;
    }
  }

  @Override
  public void onStreamReset() {
    cancelTimeout();
    if (h2Bridge != null) {
      h2Bridge.close();
    }
    if (connectTermination != null && !destroyed) {
      connectTermination.cancel(); // reset while connecting or before the downstream's switch
    } else if (tunnel != null && !destroyed) {
      tunnel.abandon(); // reset between the 101 and the downstream's switch (a finished stream switches after destroy)
    }
    for (RequestMirror m : mirrors) {
      m.mainStreamGone();
    }
    if (upstream != null && !upstream.done()) {
      cluster.stats().rqTxReset.inc();
      upstream.reset();
    }
  }

  @Override
  public void onDownstreamWritabilityChanged(boolean writable) {
    if (h2Bridge != null) {
      h2Bridge.setReading(writable);
    }
    if (upstream != null) {
      upstream.setReadingPaused(!writable);
    }
  }

  @Override
  public void onUpstreamWritabilityChanged(boolean writable) {
    stream.upstreamWritabilityChanged(writable);
  }

  @Override
  public void onDestroy() {
    destroyed = true;
    onStreamReset();
  }

  /**
   * An HTTP/1.1 upstream request head on {@code h}: one full message when nothing follows it, else a head that a body
   * follows, chunked unless it has a content-length (the HTTP/2 codec drops that framing header).
   */
  private static HttpRequest framed(io.netty.handler.codec.http.HttpMethod method, String uri, HttpHeaders h, boolean end) {
    if (end) {
      return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, Unpooled.EMPTY_BUFFER, h, EmptyHttpHeaders.INSTANCE);
    }
    if (!h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
    }
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri, h);
  }

  /**
   * The upstream request of each try: the first sends the head prepared for the stream (rewrites and header edits
   * already applied once), a later one a copy with its own framing; auto_host_rewrite names each try's host.
   */
  private static final class PreparedHead implements RetryingUpstream.RequestHead {
    private final HttpRequest prepared;
    private final boolean preparedEnd;
    private final UpstreamCluster autoHostRewrite;
    private boolean sent;

    PreparedHead(HttpRequest prepared, boolean preparedEnd, UpstreamCluster autoHostRewrite) {
      this.prepared = prepared;
      this.preparedEnd = preparedEnd;
      this.autoHostRewrite = autoHostRewrite;
    }

    @Override
    public HttpRequest build(boolean end, io.wasmplane.dataplane.upstream.UpstreamHost host) {
      HttpRequest out = prepared;
      if (sent || end != preparedEnd) {
        HttpHeaders h = new DefaultHttpHeaders().set(prepared.headers());
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        out = framed(prepared.method(), prepared.uri(), h, end);
      }
      sent = true;
      if (autoHostRewrite != null) {
        UpstreamHostRewrite.apply(autoHostRewrite, host, out.headers());
      }
      return out;
    }
  }
}

package io.wasmplane.dataplane.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.wasmplane.dataplane.config.RouteAction;
import io.wasmplane.dataplane.http.LoopTimers;
import io.wasmplane.dataplane.upstream.ClusterManager;
import io.wasmplane.dataplane.upstream.ResetReason;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.dataplane.upstream.UpstreamListener;
import io.wasmplane.dataplane.upstream.UpstreamStream;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One shadow of a request (route.v3 request_mirror_policies): the upstream request as it goes to the primary cluster,
 * its Host with "-shadow" appended (before the port), sent to the mirror cluster; the answer is counted and dropped.
 * A shadow whose request body is still streaming when the main stream goes away is reset; a complete one runs on.
 */
final class RequestMirror implements UpstreamListener {
  private final UpstreamCluster cluster;
  private final UpstreamStream stream;
  private LoopTimers.Timeout timeout;
  private boolean requestDone;

  private RequestMirror(UpstreamCluster cluster, UpstreamStream stream) {
    this.cluster = cluster;
    this.stream = stream;
  }

  /** Starts the shadow, or returns null (runtime fraction not drawn, cluster unknown, no host). */
  static RequestMirror start(RouteAction.Mirror policy, ClusterManager clusters, EventLoop loop, HttpRequest upstreamRequest,
      boolean end, long timeoutMs) {
    if (policy.fractionPerMillion() < 1_000_000 && ThreadLocalRandom.current().nextInt(1_000_000) >= policy.fractionPerMillion()) {
      return null;
    }
    UpstreamCluster cluster = clusters.get(policy.cluster());
    if (cluster == null) {
      return null;
    }
    Holder h = new Holder();
    UpstreamStream s = cluster.pool(loop).newStream(h);
    if (s == null) {
      return null;
    }
    RequestMirror m = new RequestMirror(cluster, s);
    h.mirror = m;
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set(upstreamRequest.headers());
    String host = headers.get(HttpHeaderNames.HOST);
    if (host != null && !policy.disableShadowHostSuffix()) {
      headers.set(HttpHeaderNames.HOST, shadowHost(host));
    }
    HttpRequest copy = end
        ? new DefaultFullHttpRequest(upstreamRequest.protocolVersion(), upstreamRequest.method(), upstreamRequest.uri(),
            Unpooled.EMPTY_BUFFER, headers, EmptyHttpHeaders.INSTANCE)
        : new DefaultHttpRequest(upstreamRequest.protocolVersion(), upstreamRequest.method(), upstreamRequest.uri(), headers);
    m.requestDone = end;
    if (timeoutMs > 0) {
      m.timeout = LoopTimers.of(loop).start(timeoutMs, m::onTimeout);
    }
    s.sendHeaders(copy, end);
    return m;
  }

  /** Envoy's shadow host: "-shadow" after the host name, before any port ("svc:8080" -> "svc-shadow:8080"). */
  static String shadowHost(String host) {
    int colon = host.lastIndexOf(':');
    int bracket = host.lastIndexOf(']');
    if (colon > 0 && colon > bracket && (bracket >= 0 || host.indexOf(':') == colon)) {
      return host.substring(0, colon) + "-shadow" + host.substring(colon);
    }
    return host + "-shadow";
  }

  /** A copy of the request body for the shadow; the caller keeps {@code data}. */
  void data(ByteBuf data, boolean end) {
    if (stream.done()) {
      return;
    }
    requestDone = end;
    stream.sendData(data.retainedDuplicate(), end);
  }

  void trailers(HttpHeaders trailers) {
    if (!stream.done()) {
      requestDone = true;
      stream.sendTrailers(trailers);
    }
  }

  /** The main stream went away: a shadow still waiting for request body is reset. */
  void mainStreamGone() {
    if (!requestDone) {
      cancel();
    }
  }

  private void onTimeout() {
    timeout = null;
    if (!stream.done()) {
      cluster.stats().rqTimeout.inc();
      stream.reset();
    }
  }

  private void cancel() {
    if (timeout != null) {
      timeout.cancel();
      timeout = null;
    }
    if (!stream.done()) {
      stream.reset();
    }
  }

  @Override
  public void onUpstreamHeaders(HttpResponse response, boolean end) {
    cluster.stats().responseCode(response.status().code());
    if (end) {
      cancel();
    }
  }

  @Override
  public void onUpstreamData(ByteBuf data, boolean end) {
    data.release();
    if (end) {
      cancel();
    }
  }

  @Override
  public void onUpstreamTrailers(HttpHeaders trailers) {
    cancel();
  }

  @Override
  public void onUpstreamReset(ResetReason reason, String detail) {
    if (timeout != null) {
      timeout.cancel();
      timeout = null;
    }
  }

  /** The pool needs the listener before the mirror exists. */
  private static final class Holder implements UpstreamListener {
    RequestMirror mirror;

    @Override
    public void onUpstreamHeaders(HttpResponse response, boolean end) {
      mirror.onUpstreamHeaders(response, end);
    }

    @Override
    public void onUpstreamData(ByteBuf data, boolean end) {
      if (mirror != null) {
        mirror.onUpstreamData(data, end);
      } else {
        data.release();
      }
    }

    @Override
    public void onUpstreamTrailers(HttpHeaders trailers) {
      mirror.onUpstreamTrailers(trailers);
    }

    @Override
    public void onUpstreamReset(ResetReason reason, String detail) {
      if (mirror != null) {
        mirror.onUpstreamReset(reason, detail);
      }
    }
  }
}

package io.wasmplane.dataplane.server;

import io.wasmplane.dataplane.network.Addresses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.SingleThreadEventLoop;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.wasmplane.dataplane.config.HcmConfig;
import io.wasmplane.dataplane.http.DownstreamSink;
import io.wasmplane.dataplane.http.HcmRuntime;
import io.wasmplane.dataplane.http.HttpStream;
import io.wasmplane.dataplane.http.LoopTimers;
import io.wasmplane.dataplane.http.ResponseFlag;
import io.wasmplane.dataplane.http.StreamInfo;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP connection manager for one HTTP/1.1 connection (streams one after another, pipelined requests held back)
 * or one HTTP/2 stream (a Netty child channel). It sits after the codec and turns HTTP objects into {@link HttpStream}
 * events; the stream writes its response back through this handler as {@link DownstreamSink}.
 */
final class HttpConnectionManagerHandler extends ChannelInboundHandlerAdapter implements DownstreamSink {
  private static final Logger log = LoggerFactory.getLogger(HttpConnectionManagerHandler.class);
  /** How long a draining HTTP/1.1 connection that is idle stays open for a request already sent. */
  private static final long IDLE_DRAIN_GRACE_MS = 500;

  private final ListenerRuntime listener;
  private final boolean http2;
  private final boolean tls;
  private final long connectionId;
  private final InetSocketAddress remote;
  private final InetSocketAddress local;
  private DownstreamChannel out;
  private HttpStream current;
  private boolean keepAlive = true;
  private boolean closeAfterResponse;
  private ChannelHandlerContext ctx;
  private final ArrayDeque<HttpObject> pipelined = new ArrayDeque<>();
  private boolean discardingBody;
  private boolean pausedForPipelining;
  private boolean pausedForFlowControl;
  private LoopTimers.Timeout requestTimer;
  private LoopTimers.Timeout streamIdleTimer;
  private ScheduledFuture<?> streamIdleRecheck;
  private long lastActivityNanos;
  /** A response head written without a flush, and whether a flush is queued for the end of this loop turn. */
  private boolean headUnflushed;
  private boolean headFlushQueued;
  private Runnable flushHead;
  /** The connection's TLS facts (null: plaintext), copied into each stream's info. */
  io.wasmplane.dataplane.tls.ConnectionTls connectionTls;
  /** HTTP/2: the connection this stream is on, which a drain-close response asks to GOAWAY. */
  io.netty.channel.Channel connection;

  HttpConnectionManagerHandler(ListenerRuntime listener, boolean http2, boolean tls, long connectionId,
      InetSocketAddress remote, InetSocketAddress local) {
    this.listener = listener;
    this.http2 = http2;
    this.tls = tls;
    this.connectionId = connectionId;
    this.remote = remote;
    this.local = local;
  }

  /** An HTTP/2 stream's connection manager: not in any pipeline, fed by the connection's HTTP/2 handler. */
  HttpConnectionManagerHandler(ListenerRuntime listener, boolean tls, long connectionId, InetSocketAddress remote,
      InetSocketAddress local, DownstreamChannel stream) {
    this(listener, true, tls, connectionId, remote, local);
    this.out = stream;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.out = DownstreamChannel.of(ctx);
    this.ctx = ctx;
    this.connectionTls = ctx.channel().attr(io.wasmplane.dataplane.network.ConnectionInfo.TLS_SESSION).get();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    onMessage(msg);
  }

  /** A request head, body chunk or trailers from the codec. */
  void onMessage(Object msg) {
    if (!(msg instanceof HttpObject obj)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (!http2 && (!pipelined.isEmpty() || (obj instanceof HttpRequest && current != null))) {
      // HTTP/1.1 pipelining: hold the next request until this response is done.
      pipelined.add(obj);
      pausedForPipelining = true;
      updateAutoRead();
      return;
    }
    dispatch(obj);
  }

  private void dispatch(HttpObject obj) {
    if (obj instanceof HttpRequest req) {
      if (req.decoderResult().isFailure()) {
        rejectMalformed(req, req.decoderResult());
        ReferenceCountUtil.release(obj);
        return;
      }
      int count = headerCount(req);
      if (count > listener.hcm().config().maxHeadersCount()) {
        // Envoy: more than common_http_protocol_options.max_headers_count (default 100) is a 431
        rejectMalformed(req, DecoderResult.failure(new TooManyHeaders(count)));
        ReferenceCountUtil.release(obj);
        return;
      }
      discardingBody = false;
      boolean endAtHeaders = startStream(req);
      if (obj instanceof HttpContent content) {
        if (endAtHeaders) {
          content.release(); // an empty FullHttpRequest: the end of stream went with the headers
        } else {
          deliverContent(content);
        }
      }
      return;
    }
    if (obj instanceof HttpContent content) {
      if (obj.decoderResult().isFailure()) {
        content.release();
        if (current != null) {
          current.info().setFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR);
          closeAfterResponse = true;
          current.sendLocalReplyFromConnectionManager(400, "Bad Request", "codec_error");
        } else {
          out.close();
        }
        return;
      }
      if (current == null || discardingBody) {
        content.release();
        return;
      }
      deliverContent(content);
    }
  }

  private void deliverContent(HttpContent content) {
    lastActivityNanos = System.nanoTime();
    HttpStream s = current;
    if (content instanceof LastHttpContent last) {
      cancelRequestTimer();
      HttpHeaders trailers = last.trailingHeaders();
      if (trailers.isEmpty()) {
        s.decodeData(last.content(), true);
      } else {
        s.decodeData(last.content(), false);
        s.decodeTrailers(trailers);
      }
    } else {
      s.decodeData(content.content(), false);
    }
  }

  private boolean startStream(HttpRequest req) {
    HcmRuntime rt = listener.hcm();
    HcmConfig cfg = rt.config();
    rt.stats().rqTotal.inc();
    rt.stats().rqActive.inc();
    if (http2) {
      rt.stats().rqHttp2Total.inc();
    } else {
      rt.stats().rqHttp1Total.inc();
      keepAlive = HttpUtil.isKeepAlive(req);
    }
    String protocol = http2 ? "HTTP/2" : req.protocolVersion().text();
    StreamInfo info = new StreamInfo(protocol, remote, local, tls, connectionId);
    info.downstreamTlsSession = connectionTls;
    io.netty.channel.Channel socket = connection != null ? connection : ctx != null ? ctx.channel() : null;
    info.downstreamDirectRemote = socket == null ? null : (InetSocketAddress) socket.remoteAddress(); // before PROXY protocol
    info.downstreamConnection = socket;
    HttpHeaders h = req.headers();
    prepareHeaders(h, cfg);
    io.wasmplane.dataplane.router.UpgradeGate.connectAuthority(req);
    HttpStream s = new HttpStream(rt, this, out.eventLoop(), out.alloc(), info);
    current = s;
    boolean end = req instanceof LastHttpContent last && !last.content().isReadable() && last.trailingHeaders().isEmpty();
    if (!end && !http2 && !HttpUtil.isTransferEncodingChunked(req) && HttpUtil.getContentLength(req, -1L) <= 0) {
      // Neither chunked nor a positive content-length (the codec refuses a negative one): no body.
      end = true;
      discardingBody = true; // the codec still emits an empty LastHttpContent for this request
    }
    lastActivityNanos = info.startNanos; // a clock read costs ~50 ns: the stream's start time is a moment old
    long idleMs = cfg.streamIdleTimeout().toMillis();
    long requestMs = cfg.requestTimeout().toMillis();
    if (idleMs > 0 || (!end && requestMs > 0)) {
      LoopTimers timers = LoopTimers.of(out.eventLoop());
      if (idleMs > 0) {
        streamIdleTimer = timers.start(info.startNanos, idleMs, () -> checkStreamIdle(s, idleMs));
      }
      if (!end && requestMs > 0) {
        requestTimer = timers.start(info.startNanos, requestMs, this::onRequestTimeout);
      }
    }
    if (io.wasmplane.dataplane.router.UpgradeGate.refuses(req, rt)) {
      s.refuseHeaders(req, end, 403, "upgrade_failed"); // Envoy refuses before the filter chain exists
      return end;
    }
    s.decodeHeaders(req, end);
    return end;
  }

  /** x-request-id, x-forwarded-for and x-forwarded-proto as Envoy sets them. */
  private void prepareHeaders(HttpHeaders h, HcmConfig cfg) {
    if (cfg.useRemoteAddress() && !cfg.skipXffAppend() && remote != null) {
      String ip = Addresses.ip(remote.getAddress());
      String xff = h.get("x-forwarded-for");
      h.set("x-forwarded-for", xff == null || xff.isEmpty() ? ip : xff + "," + ip);
    }
    if (cfg.useRemoteAddress() || !h.contains("x-forwarded-proto")) {
      h.set("x-forwarded-proto", tls ? "https" : "http");
    }
    io.wasmplane.dataplane.tls.ForwardedClientCert.apply(h, cfg.xfcc(), connectionTls);
    if (cfg.generateRequestId()) {
      boolean edgeOverwrite = cfg.useRemoteAddress() && !cfg.preserveExternalRequestId();
      if (edgeOverwrite || !h.contains("x-request-id")) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        h.set("x-request-id", new UUID((r.nextLong() & ~0xF000L) | 0x4000L, (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L).toString());
      }
    }
  }

  /** A request the codec could not parse: 431 for oversized headers, 400 otherwise; then close. */
  private void rejectMalformed(HttpRequest req, DecoderResult result) {
    HcmRuntime rt = listener.hcm();
    Throwable cause = result.cause();
    boolean tooMany = cause instanceof TooManyHeaders;
    boolean tooLarge = cause instanceof TooLongFrameException || tooMany;
    rt.stats().rqTotal.inc();
    rt.stats().rqActive.inc();
    rt.stats().cxProtocolError.inc();
    if (tooLarge) {
      rt.stats().rqHeaderTooLarge.inc();
    }
    StreamInfo info = new StreamInfo(http2 ? "HTTP/2" : "HTTP/1.1", remote, local, tls, connectionId);
    info.downstreamTlsSession = connectionTls;
    info.setFlag(ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR);
    HttpStream s = new HttpStream(rt, this, out.eventLoop(), out.alloc(), info);
    current = s;
    closeAfterResponse = true;
    keepAlive = false;
    log.debug("event=downstream_codec_error connection={} error={}", connectionId, cause == null ? "?" : cause.toString());
    s.sendLocalReplyFromConnectionManager(tooLarge ? 431 : 400, tooLarge ? "" : "Bad Request",
        tooMany ? "too_many_headers" : tooLarge ? "http1.headers_too_large" : "http1.codec_error");
  }

  /** The headers the client sent (for HTTP/2 without the x-http2-* ones Netty's conversion adds). */
  private int headerCount(HttpRequest req) {
    int n = req.headers().size();
    if (http2) {
      for (java.util.Map.Entry<String, String> e : req.headers()) {
        if (e.getKey().regionMatches(true, 0, "x-http2-", 0, 8)) {
          n--;
        }
      }
    }
    return n;
  }

  /** A request with more headers than max_headers_count. */
  private static final class TooManyHeaders extends RuntimeException {
    TooManyHeaders(int count) {
      super(count + " headers", null, false, false);
    }
  }

  private void onRequestTimeout() {
    requestTimer = null;
    HttpStream s = current;
    if (s != null && !s.requestEnded() && !s.finished()) {
      listener.hcm().stats().rqTimeout.inc();
      closeAfterResponse = true;
      s.sendLocalReplyFromConnectionManager(408, "request timeout", "request_overall_timeout");
    }
  }

  /** Envoy's stream_idle_timeout: no bytes either way for the period ends the stream (408 or reset; flag SI). */
  private void checkStreamIdle(HttpStream s, long idleMs) {
    streamIdleTimer = null;
    streamIdleRecheck = null;
    if (s != current || s.finished()) {
      return;
    }
    long idleFor = (System.nanoTime() - lastActivityNanos) / 1_000_000;
    if (idleFor < idleMs) {
      // Rare (the stream was active within the period): check again when it would be idle for the full period.
      streamIdleRecheck = out.eventLoop().schedule(() -> checkStreamIdle(s, idleMs), idleMs - idleFor, TimeUnit.MILLISECONDS);
      return;
    }
    listener.hcm().stats().rqIdleTimeout.inc();
    s.info().setFlag(ResponseFlag.STREAM_IDLE_TIMEOUT);
    closeAfterResponse = true;
    s.sendLocalReplyFromConnectionManager(408, "stream timeout", "stream_idle_timeout");
  }

  @Override
  public void setStreamIdleTimeout(long millis) {
    HttpStream s = current;
    cancelStreamIdleTimer();
    if (millis > 0 && s != null) {
      streamIdleTimer = LoopTimers.of(out.eventLoop()).start(millis, () -> checkStreamIdle(s, millis));
    }
  }

  private void cancelStreamIdleTimer() {
    if (streamIdleTimer != null) {
      streamIdleTimer.cancel();
      streamIdleTimer = null;
    }
    if (streamIdleRecheck != null) {
      streamIdleRecheck.cancel(false);
      streamIdleRecheck = null;
    }
  }

  private void cancelRequestTimer() {
    if (requestTimer != null) {
      requestTimer.cancel();
      requestTimer = null;
    }
  }

  // ------------------------------------------------------------------ DownstreamSink

  @Override
  public void writeHeaders(HttpResponse response, boolean end) {
    if (!end) {
      lastActivityNanos = System.nanoTime(); // the stream's last write needs no stamp: its idle timer goes with it
    }
    if (response.status().code() >= 200) {
      cancelRequestTimer(); // Envoy: request_timeout is disarmed once the response starts (a CONNECT/upgrade tunnel lives on)
    }
    HttpHeaders h = response.headers();
    if (http2) {
      if (connection != null && listener.drainClose()) {
        connection.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE); // Envoy's drain close: GOAWAY
      }
      if (end) {
        out.writeAndFlush(fullResponse(HttpVersion.HTTP_1_1, response));
      } else {
        out.write(response);
        flushHeadSoon();
      }
      return;
    }
    HttpStream s = current;
    boolean http10 = s != null && s.request() != null && s.request().protocolVersion().equals(HttpVersion.HTTP_1_0);
    if (!keepAlive || closeAfterResponse || (s != null && !s.requestEnded()) || listener.drainClose()) {
      closeAfterResponse = true;
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (http10) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    // RFC 9110: a 2xx to CONNECT has no length or chunking, the tunnel follows it.
    boolean tunnel = s != null && s.request() != null && HttpMethod.CONNECT.equals(s.request().method())
        && response.status().code() / 100 == 2;
    boolean head = tunnel || s != null && s.request() != null && HttpMethod.HEAD.equals(s.request().method());
    if (end) {
      if (!h.contains(HttpHeaderNames.CONTENT_LENGTH) && !head && allowsBody(response.status().code())) {
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
      }
      out.writeAndFlush(fullResponse(response.protocolVersion(), response));
      return;
    }
    if (!h.contains(HttpHeaderNames.CONTENT_LENGTH) && allowsBody(response.status().code()) && !tunnel) {
      if (http10) {
        closeAfterResponse = true;
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      } else {
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
    }
    out.write(response instanceof DefaultHttpResponse ? response : copy(response));
    flushHeadSoon();
  }

  /**
   * A response head goes out without waiting for its body (a streaming upstream may send the body much later), but
   * not in a write of its own when the body follows in the same loop turn, as it does for most responses: the flush
   * waits for the end of the turn and is skipped if a body write flushed first.
   */
  private void flushHeadSoon() {
    headUnflushed = true;
    if (headFlushQueued) {
      return;
    }
    if (flushHead == null) {
      flushHead = () -> {
        headFlushQueued = false;
        if (headUnflushed) {
          headUnflushed = false;
          out.flush();
        }
      };
    }
    headFlushQueued = true;
    EventLoop loop = out.eventLoop();
    if (loop instanceof SingleThreadEventLoop st) {
      st.executeAfterEventLoopIteration(flushHead);
    } else {
      loop.execute(flushHead);
    }
  }

  /** The response as one message without body, sharing (not copying) its header map. */
  private static DefaultFullHttpResponse fullResponse(HttpVersion version, HttpResponse r) {
    return new DefaultFullHttpResponse(version, r.status(), Unpooled.EMPTY_BUFFER, r.headers(), EmptyHttpHeaders.INSTANCE);
  }

  private static HttpResponse copy(HttpResponse r) {
    DefaultHttpResponse c = new DefaultHttpResponse(r.protocolVersion(), r.status());
    c.headers().set(r.headers());
    return c;
  }

  private static boolean allowsBody(int code) {
    return code >= 200 && code != 204 && code != 304;
  }

  @Override
  public void writeData(ByteBuf data, boolean end) {
    if (!end) {
      lastActivityNanos = System.nanoTime();
    }
    headUnflushed = false;
    out.writeAndFlush(end ? new DefaultLastHttpContent(data, EmptyHttpHeaders.INSTANCE) : new DefaultHttpContent(data));
  }

  @Override
  public void writeTrailers(HttpHeaders trailers) {
    DefaultLastHttpContent last = new DefaultLastHttpContent();
    last.trailingHeaders().set(trailers);
    headUnflushed = false;
    out.writeAndFlush(last);
  }

  @Override
  public void reset() {
    closeAfterResponse = true;
    out.close();
  }

  @Override
  public void streamFinished(HttpStream stream) {
    if (stream != current) {
      return;
    }
    current = null;
    cancelRequestTimer();
    cancelStreamIdleTimer();
    if (pausedForFlowControl) {
      pausedForFlowControl = false;
      updateAutoRead();
    }
    if (http2) {
      if (!stream.requestEnded() || !stream.responseEnded()) {
        out.close(); // RST_STREAM
      }
      return;
    }
    if (stream.info().upgradeDownstream != null && ctx != null && !http2) {
      stream.info().upgradeDownstream.accept(ctx); // the upstream answered 101: the connection is a tunnel now
      pipelined.forEach(ReferenceCountUtil::release); // HTTP sent behind an upgrade request is not served
      pipelined.clear();
      return;
    }
    if (closeAfterResponse || !keepAlive) {
      out.closeAfterFlush();
      pipelined.forEach(ReferenceCountUtil::release);
      pipelined.clear();
      return;
    }
    // Serve requests that were pipelined behind this one.
    HttpObject next;
    while (current == null && (next = pipelined.poll()) != null) {
      dispatch(next);
    }
    while (current != null && !current.requestEnded() && (next = pipelined.poll()) != null) {
      if (next instanceof HttpRequest) {
        pipelined.addFirst(next);
        break;
      }
      dispatch(next);
    }
    if (pipelined.isEmpty()) {
      pausedForPipelining = false;
      updateAutoRead();
    }
  }

  @Override
  public void setReadingPaused(boolean paused) {
    pausedForFlowControl = paused;
    updateAutoRead();
  }

  private void updateAutoRead() {
    out.setAutoRead(!pausedForPipelining && !pausedForFlowControl);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    onWritabilityChanged(ctx.channel().isWritable());
    ctx.fireChannelWritabilityChanged();
  }

  void onWritabilityChanged(boolean writable) {
    HttpStream s = current;
    if (s != null) {
      s.downstreamWritabilityChanged(writable);
    }
  }

  // ------------------------------------------------------------------ connection events

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    onClosed();
    ctx.fireChannelInactive();
  }

  /** The connection (HTTP/1.1) or the stream (HTTP/2) is gone. */
  void onClosed() {
    cancelRequestTimer();
    cancelStreamIdleTimer();
    HttpStream s = current;
    current = null;
    if (s != null) {
      s.downstreamReset();
    }
    pipelined.forEach(ReferenceCountUtil::release);
    pipelined.clear();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt == DrainEvent.INSTANCE) {
      closeAfterResponse = true;
      if (current == null && !http2) {
        // An idle keep-alive connection may have a request on its way: closing at once would drop it unanswered.
        // A short grace lets such a request in (answered with Connection: close); then an idle connection closes.
        ctx.executor().schedule(() -> {
          if (current == null && pipelined.isEmpty()) {
            ctx.close();
          }
        }, IDLE_DRAIN_GRACE_MS, TimeUnit.MILLISECONDS);
      }
      return;
    }
    if (evt instanceof IdleStateEvent && current == null) {
      listener.hcm().stats().cxIdleTimeout.inc();
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("event=downstream_exception connection={} error={}", connectionId, cause.toString());
    ctx.close();
  }
}

package io.wasmplane.dataplane.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.ReferenceCountUtil;
import io.wasmplane.dataplane.config.Http2Options;
import io.wasmplane.dataplane.http.Http2FloodGuard;
import io.wasmplane.dataplane.http.Http2Keepalive;
import io.wasmplane.dataplane.http.Http2Tuning;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/2 on a downstream connection without a Netty child channel (pipeline, codec, promises) per stream: the
 * connection handler's frame listener feeds each stream's {@link HttpConnectionManagerHandler} directly, and the
 * stream's response goes out as frames on the connection. Flow control: a stream whose manager stops reading keeps its
 * received bytes unconsumed (no WINDOW_UPDATE) until it reads again.
 */
final class Http2StreamsHandler extends Http2ConnectionHandler {
  private static final Logger log = LoggerFactory.getLogger(Http2StreamsHandler.class);

  private final Http2Connection.PropertyKey streamKey;
  private final Function<DownstreamChannel, HttpConnectionManagerHandler> newManager;
  private final io.wasmplane.dataplane.http.HcmStats stats;
  private ChannelHandlerContext ctx;
  private Http2Options options = Http2Options.DEFAULT;
  private boolean prefaceDone;
  private Http2Keepalive keepalive;
  private Http2FloodGuard floodGuard;

  private Http2StreamsHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings,
      io.wasmplane.dataplane.http.HcmStats stats, Function<DownstreamChannel, HttpConnectionManagerHandler> newManager) {
    super(decoder, encoder, settings);
    this.newManager = newManager;
    this.stats = stats;
    this.streamKey = connection().newKey();
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamClosed(Http2Stream stream) {
        Stream s = stream.removeProperty(streamKey);
        if (s != null) {
          s.closed();
        }
      }
    });
    encoder.flowController().listener(stream -> {
      Stream s = stream.getProperty(streamKey);
      if (s != null) {
        s.manager.onWritabilityChanged(encoder.flowController().isWritable(stream));
      }
    });
  }

  /** A server-side handler whose streams are served by the managers {@code newManager} makes. */
  static Http2StreamsHandler create(Http2Settings settings, Http2Options options, io.wasmplane.dataplane.http.HcmStats stats,
      Function<DownstreamChannel, HttpConnectionManagerHandler> newManager) {
    Http2FloodGuard guard = new Http2FloodGuard(options, stats.h2Floods);
    Http2StreamsHandler h = new Builder(stats, newManager).initialSettings(settings)
        .encoderEnforceMaxQueuedControlFrames(options.maxOutboundControlFrames())
        .decoderEnforceMaxConsecutiveEmptyDataFrames(options.maxConsecutiveInboundFramesWithEmptyPayload())
        .frameLogger(guard.frameCounter())
        .build();
    h.options = options;
    h.floodGuard = guard;
    return h;
  }

  private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<Http2StreamsHandler, Builder> {
    private final Function<DownstreamChannel, HttpConnectionManagerHandler> newManager;
    private final io.wasmplane.dataplane.http.HcmStats stats;

    Builder(io.wasmplane.dataplane.http.HcmStats stats, Function<DownstreamChannel, HttpConnectionManagerHandler> newManager) {
      this.newManager = newManager;
      this.stats = stats;
      validateHeaders(true);
      // A server connection (true below). Streams share the connection's window evenly: RFC 9113 deprecates priorities (Envoy ignores them too), and
      // Netty's default weighted-fair distributor keeps a priority tree with state and events per stream.
      DefaultHttp2Connection connection = new DefaultHttp2Connection(true);
      connection.remote().flowController(
          new DefaultHttp2RemoteFlowController(connection, new UniformStreamByteDistributor(connection)));
      connection(connection);
    }

    @Override
    protected Builder initialSettings(Http2Settings settings) {
      return super.initialSettings(settings);
    }

    @Override
    protected Builder encoderEnforceMaxQueuedControlFrames(int max) {
      return super.encoderEnforceMaxQueuedControlFrames(max);
    }

    @Override
    protected Builder decoderEnforceMaxConsecutiveEmptyDataFrames(int max) {
      return super.decoderEnforceMaxConsecutiveEmptyDataFrames(max);
    }

    @Override
    protected Builder frameLogger(io.netty.handler.codec.http2.Http2FrameLogger logger) {
      return super.frameLogger(logger);
    }

    @Override
    protected Http2StreamsHandler build() {
      return super.build();
    }

    @Override
    protected Http2StreamsHandler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
        Http2Settings settings) {
      Http2StreamsHandler h = new Http2StreamsHandler(decoder, encoder, settings, stats, newManager);
      frameListener(h.new Frames());
      return h;
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    ctx.pipeline().addBefore(ctx.name(), null, floodGuard.drainTracker()); // sees our flushes: max_outbound_frames
    super.handlerAdded(ctx);
    if (ctx.channel().isActive()) {
      afterPreface(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    super.channelActive(ctx);
    afterPreface(ctx);
  }

  /** Once our SETTINGS went out: the connection window up to initial_connection_window_size, keepalive PINGs. */
  private void afterPreface(ChannelHandlerContext ctx) throws Http2Exception {
    if (prefaceDone) {
      return;
    }
    prefaceDone = true;
    Http2Tuning.raiseConnectionWindow(connection(), options);
    ctx.flush();
    options.keepalive().ifPresent(k -> {
      keepalive = new Http2Keepalive(ctx.channel(), k, data -> {
        encoder().writePing(ctx, false, data, ctx.voidPromise());
        ctx.flush();
      }, stats.h2KeepaliveTimeout);
      keepalive.start();
    });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (keepalive != null) {
      keepalive.onRead();
    }
    super.channelRead(ctx, msg);
  }

  /**
   * A connection error (ours to answer with GOAWAY and close, which the base class does): counted as Envoy's
   * downstream_cx_protocol_error when the peer broke the protocol, logged at debug only (a peer must not be able to
   * flood the log).
   */
  @Override
  protected void onConnectionError(ChannelHandlerContext ctx, boolean outbound, Throwable cause, Http2Exception http2Ex) {
    if (http2Ex != null && http2Ex.error() == Http2Error.ENHANCE_YOUR_CALM) {
      countFlood(http2Ex);
    }
    if (!outbound && http2Ex != null) {
      stats.cxProtocolError.inc();
    }
    log.debug("event=downstream_h2_error remote={} cause={}", ctx.channel().remoteAddress(), String.valueOf(cause));
    super.onConnectionError(ctx, outbound, cause, http2Ex);
  }

  /** Netty's flood limits both end the connection with ENHANCE_YOUR_CALM; only the message tells which one it was. */
  private void countFlood(Http2Exception e) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("empty data frames")) {
      stats.h2InboundEmptyFramesFlood.inc();
    } else if (m.contains("outstanding control frames")) {
      stats.h2OutboundControlFlood.inc();
    }
  }

  /** h2c via HTTP/1.1 Upgrade: the upgrading request is stream 1's request. */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent upgrade) {
      Http2Stream stream = connection().stream(1);
      if (stream != null) {
        Stream s = open(stream);
        s.deliver(upgrade.upgradeRequest().retain());
      }
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  private Stream open(Http2Stream stream) {
    Stream s = new Stream(stream);
    stream.setProperty(streamKey, s);
    s.manager = newManager.apply(s);
    return s;
  }

  /** Inbound frames of every stream. */
  private final class Frames extends Http2FrameAdapter {
    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) {
      if (keepalive != null) {
        keepalive.onPingAck(data);
      }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
        short weight, boolean exclusive, int padding, boolean endStream) throws Http2Exception {
      onHeadersRead(ctx, streamId, headers, padding, endStream);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
        boolean endStream) throws Http2Exception {
      Http2Stream stream = connection().stream(streamId);
      if (stream == null) {
        return;
      }
      Stream s = stream.getProperty(streamKey);
      if (s == null) {
        s = open(stream);
        CharSequence upgrade = ExtendedConnect.toUpgradeHead(headers);
        HttpRequest request = Http2Conversion.request(streamId, headers, endStream);
        ExtendedConnect.addUpgradeHeaders(request, upgrade);
        s.deliver(request);
        return;
      }
      s.deliver(new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, Http2Conversion.trailers(headers)));
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
      int bytes = data.readableBytes() + padding;
      Http2Stream stream = connection().stream(streamId);
      Stream s = stream == null ? null : stream.getProperty(streamKey);
      if (s == null) {
        return bytes;
      }
      data.retain();
      s.deliver(endOfStream ? new DefaultLastHttpContent(data) : new DefaultHttpContent(data));
      if (s.reading) {
        return bytes;
      }
      s.unconsumed += bytes; // returned to the window when the manager reads again
      return 0;
    }
  }

  /** One stream as its connection manager sees it. */
  private final class Stream implements DownstreamChannel {
    private final Http2Stream stream;
    HttpConnectionManagerHandler manager;
    boolean reading = true;
    int unconsumed;
    private boolean endSent;
    private boolean closed;

    Stream(Http2Stream stream) {
      this.stream = stream;
    }

    void deliver(HttpObject msg) {
      try {
        manager.onMessage(msg);
      } catch (RuntimeException e) {
        log.warn("event=http2_stream_error stream={} error={}", stream.id(), e.toString(), e);
        close();
      }
    }

    /** The stream left the connection: normally (both ends sent), by RST_STREAM, or with the connection. */
    void closed() {
      closed = true;
      if (!endSent) {
        manager.onClosed();
      }
    }

    @Override
    public EventLoop eventLoop() {
      return ctx.channel().eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
      return ctx.alloc();
    }

    @Override
    public void write(Object msg) {
      if (closed || endSent) {
        ReferenceCountUtil.release(msg);
        return;
      }
      Http2ConnectionEncoder enc = encoder();
      int id = stream.id();
      if (msg instanceof HttpResponse response) {
        FullHttpMessage full = msg instanceof FullHttpMessage f ? f : null;
        boolean end = full != null && !full.content().isReadable() && full.trailingHeaders().isEmpty();
        endSent = end;
        enc.writeHeaders(ctx, id, Http2Conversion.response(response), 0, end, ctx.newPromise());
        if (full != null) {
          if (!end) {
            writeBody(enc, id, full.content().retain(), full.trailingHeaders());
          }
          full.release();
        }
        return;
      }
      if (msg instanceof HttpContent content) {
        HttpHeaders trailers = content instanceof LastHttpContent last ? last.trailingHeaders() : null;
        if (trailers == null) {
          enc.writeData(ctx, id, content.content(), 0, false, ctx.newPromise());
        } else {
          writeBody(enc, id, content.content(), trailers);
        }
        return;
      }
      ReferenceCountUtil.release(msg);
    }

    /** The last body chunk, then trailers if there are any; end of stream on whichever goes last. */
    private void writeBody(Http2ConnectionEncoder enc, int id, ByteBuf data, HttpHeaders trailers) {
      boolean hasTrailers = !trailers.isEmpty();
      if (data.isReadable() || !hasTrailers) {
        endSent = !hasTrailers;
        enc.writeData(ctx, id, data, 0, !hasTrailers, ctx.newPromise());
      } else {
        data.release();
      }
      if (hasTrailers) {
        endSent = true;
        enc.writeHeaders(ctx, id, Http2Conversion.trailers(trailers), 0, true, ctx.newPromise());
      }
    }

    @Override
    public void writeAndFlush(Object msg) {
      write(msg);
      Http2StreamsHandler.this.flush(ctx); // the connection handler's flush: flow-controlled DATA goes out here
    }

    @Override
    public void flush() {
      Http2StreamsHandler.this.flush(ctx);
    }

    @Override
    public void close() {
      if (!closed) {
        resetStream(ctx, stream.id(), Http2Error.CANCEL.code(), ctx.newPromise());
        Http2StreamsHandler.this.flush(ctx);
      }
    }

    @Override
    public void closeAfterFlush() {
      close();
    }

    @Override
    public void setAutoRead(boolean on) {
      reading = on;
      if (on && unconsumed > 0 && !closed) {
        int n = unconsumed;
        unconsumed = 0;
        try {
          decoder().flowController().consumeBytes(stream, n);
          Http2StreamsHandler.this.flush(ctx);
        } catch (Http2Exception e) {
          onError(ctx, false, e);
        }
      }
    }
  }
}

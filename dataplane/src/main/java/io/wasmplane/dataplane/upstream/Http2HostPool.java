package io.wasmplane.dataplane.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import io.wasmplane.dataplane.config.Http2Options;
import io.wasmplane.dataplane.http.Http2Keepalive;
import java.util.ArrayList;
import java.util.List;

/**
 * HTTP/2 upstream: multiplexed connections per host per worker; each request is a stream on one. A connection carries at
 * most min(our max_concurrent_streams, the peer's SETTINGS_MAX_CONCURRENT_STREAMS) streams; past that a new connection
 * opens (within the cluster's max_connections), else the request waits as pending (max_pending_requests).
 */
final class Http2HostPool extends HostPool {
  private final Http2Options options;
  private final List<Conn> connections = new ArrayList<>();
  /** The connection being set up (at most one at a time) and the streams that will open on it. */
  private Conn connecting;
  private final List<UpstreamStream> starting = new ArrayList<>();

  Http2HostPool(WorkerPool worker, UpstreamHost host) {
    super(worker, host);
    this.options = cluster.config().http2();
  }

  @Override
  void submit(UpstreamStream s) {
    Conn c = withCapacity();
    if (c != null) {
      openStream(c, s);
      return;
    }
    if (connecting != null && starting.size() < options.maxConcurrentStreams()) {
      starting.add(s);
      return;
    }
    if (connecting == null && canOpenConnection()) {
      starting.add(s);
      connectNow();
      return;
    }
    queueOrOverflow(s);
  }

  private Conn withCapacity() {
    for (int i = 0; i < connections.size(); i++) {
      Conn c = connections.get(i);
      if (c.hasCapacity()) {
        return c;
      }
    }
    return null;
  }

  private void connectNow() {
    cluster.stats().cxHttp2Total.inc();
    Conn conn = new Conn();
    connecting = conn;
    var f = connect(ch -> {
      Http2ClientCodec.install(ch, options, cluster.stats());
      ch.pipeline().addLast("h2conn", conn);
      ch.pipeline().addLast("mux", new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
    });
    conn.channel = f.channel();
    f.addListener(cf -> {
      connecting = null;
      List<UpstreamStream> ready = new ArrayList<>(starting);
      starting.clear();
      if (cf.isSuccess()) {
        connections.add(conn);
        conn.channel.closeFuture().addListener(x -> connections.remove(conn));
        for (UpstreamStream s : ready) {
          if (!s.done()) { // reset while the connection was being set up
            submit(s);
          }
        }
        drainWaiting();
      } else {
        UpstreamStream w;
        while ((w = takeWaiting()) != null) {
          ready.add(w);
        }
        ready.forEach(s -> s.fail(ResetReason.CONNECTION_FAILURE, describe(cf.cause())));
      }
    });
  }

  private void openStream(Conn c, UpstreamStream s) {
    if (s.done()) {
      return;
    }
    c.active++;
    c.beforeNewStream();
    new Http2StreamChannelBootstrap(c.channel)
        .handler(new ChannelInitializer<Http2StreamChannel>() {
          @Override
          protected void initChannel(Http2StreamChannel ch) {
            ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false));
            ch.pipeline().addLast(new StreamHandler(s));
          }
        })
        .open()
        .addListener(f -> {
          if (f.isSuccess()) {
            Http2StreamChannel sc = (Http2StreamChannel) f.getNow();
            sc.closeFuture().addListener(x -> streamClosed(c));
            s.bind(sc, () -> { });
          } else {
            streamClosed(c);
            s.fail(ResetReason.CONNECTION_FAILURE, describe(f.cause()));
          }
        });
  }

  /** A stream slot freed up: a pending request takes it. */
  private void streamClosed(Conn c) {
    c.active--;
    drainWaiting();
  }

  /** Pending requests go to connections with free streams, else to a new connection if the cluster allows one. */
  private void drainWaiting() {
    UpstreamStream w;
    for (int i = 0; i < connections.size() && !waiting.isEmpty(); i++) {
      Conn c = connections.get(i);
      while (c.hasCapacity() && (w = takeWaiting()) != null) {
        openStream(c, w);
      }
    }
    if (!waiting.isEmpty() && connecting == null && canOpenConnection()) {
      while (starting.size() < options.maxConcurrentStreams() && (w = takeWaiting()) != null) {
        starting.add(w);
      }
      connectNow();
    }
  }

  @Override
  void reset(UpstreamStream s, Channel channel) {
    if (channel != null) {
      channel.close(); // RST_STREAM for this stream only
    }
    starting.remove(s);
  }

  @Override
  void closeAll() {
    new ArrayList<>(connections).forEach(c -> c.channel.close());
  }

  /**
   * One connection (its handler sits between the codec and the multiplexer, where it sees every frame): counts its
   * streams and runs connection_keepalive.
   */
  private final class Conn extends ChannelInboundHandlerAdapter {
    Channel channel;
    int active;
    private Http2FrameCodec codec;
    private Http2Keepalive keepalive;

    boolean hasCapacity() {
      if (!channel.isActive() || codec == null || codec.connection().goAwayReceived()) {
        return false;
      }
      long peerLimit = codec.connection().local().maxActiveStreams(); // the peer's SETTINGS_MAX_CONCURRENT_STREAMS
      return active < Math.min(options.maxConcurrentStreams(), peerLimit);
    }

    void beforeNewStream() {
      if (keepalive != null) {
        keepalive.beforeNewStream();
      }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      codec = ctx.pipeline().get(Http2FrameCodec.class);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      options.keepalive().ifPresent(k -> {
        keepalive = new Http2Keepalive(ctx.channel(), k,
            data -> ctx.writeAndFlush(new DefaultHttp2PingFrame(data, false)), cluster.stats().h2KeepaliveTimeout);
        keepalive.start();
      });
      ctx.fireChannelActive();
    }

    /**
     * The codec passes on a connection error it is answering itself (GOAWAY with the error's code, then close; closing
     * here first would send GOAWAY NO_ERROR): nothing to do but keep it from the end of the pipeline.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof io.netty.handler.codec.http2.Http2FrameStreamException
          || Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
        ctx.fireExceptionCaught(cause); // a stream's error goes to that stream; anything else as before
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (keepalive != null) {
        keepalive.onRead();
        if (msg instanceof Http2PingFrame ping && ping.ack()) {
          keepalive.onPingAck(ping.content());
        }
      }
      ctx.fireChannelRead(msg);
    }
  }

  private static final class StreamHandler extends ChannelInboundHandlerAdapter {
    private final UpstreamStream stream;

    StreamHandler(UpstreamStream stream) {
      this.stream = stream;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpObject o) {
        stream.onInbound(o);
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      stream.writabilityChanged(ctx.channel().isWritable());
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      // The multiplexer hands an inbound RST_STREAM to the stream as an event; the stream then closes.
      if (evt instanceof Http2ResetFrame rst && rst.errorCode() == Http2Error.REFUSED_STREAM.code()) {
        stream.fail(ResetReason.REFUSED_STREAM, "remote refused stream reset");
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!failedByTls(ctx)) {
        stream.fail(stream.responseStarted() ? ResetReason.REMOTE_RESET : ResetReason.CONNECTION_TERMINATION,
            "stream closed");
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!failedByTls(ctx)) {
        stream.fail(ResetReason.REMOTE_RESET, describe(cause));
      }
      ctx.close();
    }

    /**
     * Streams are opened before the connection's TLS handshake ends; when it fails they close with it. As on
     * HTTP/1.1 (and Envoy), that is a connection failure (503, "TLS_error"), not a reset of a started stream.
     */
    private boolean failedByTls(ChannelHandlerContext ctx) {
      Channel connection = ctx.channel().parent();
      io.netty.handler.ssl.SslHandler ssl = connection == null ? null : connection.pipeline().get(io.netty.handler.ssl.SslHandler.class);
      if (ssl == null || !ssl.handshakeFuture().isDone() || ssl.handshakeFuture().isSuccess()) {
        return false;
      }
      javax.net.ssl.SSLException tls = tlsFailure(ssl.handshakeFuture().cause());
      stream.fail(ResetReason.CONNECTION_FAILURE, "TLS_error: " + describe(tls != null ? tls : ssl.handshakeFuture().cause()));
      return true;
    }
  }
}

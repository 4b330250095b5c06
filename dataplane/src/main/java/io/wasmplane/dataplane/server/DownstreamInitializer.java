package io.wasmplane.dataplane.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.wasmplane.dataplane.config.HcmConfig;
import io.wasmplane.dataplane.http.HcmRuntime;
import io.wasmplane.dataplane.http.IdleTimeoutHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds a downstream connection's pipeline: optional TLS with ALPN, then HTTP/1.1 and HTTP/2 on the same port
 * (prior-knowledge preface detection and HTTP/1.1 Upgrade: h2c), each ending in an {@link HttpConnectionManagerHandler}
 * per HTTP/1.1 connection or per HTTP/2 stream.
 */
final class DownstreamInitializer extends ChannelInitializer<SocketChannel> {
  private static final AtomicLong CONNECTION_IDS = new AtomicLong();
  private static final String HCM = "hcm";
  private static final String H1_CONFIRM = "h1-confirm";
  private static final String FLUSH = "flush";

  private final ListenerRuntime listener;
  private final ConnectionTracker tracker;

  DownstreamInitializer(ListenerRuntime listener, ConnectionTracker tracker) {
    this.listener = listener;
    this.tracker = tracker;
  }

  ListenerRuntime listener() {
    return listener;
  }

  @Override
  public void initChannel(SocketChannel ch) {
    long id = CONNECTION_IDS.incrementAndGet();
    ch.attr(io.wasmplane.dataplane.network.ConnectionInfo.ID).set(id);
    if (listener.tcpProxy() != null) {
      initTcp(ch);
      return;
    }
    HcmRuntime rt = listener.hcm();
    HcmConfig cfg = rt.config();
    listener.cxTotal.inc();
    io.wasmplane.dataplane.stats.Gauge listenerActive = listener.cxActive;
    listenerActive.inc();
    rt.stats().cxTotal.inc();
    rt.stats().cxActive.inc();
    tracker.add(ch);
    listener.connections.add(ch);
    ConnectionLength length = new ConnectionLength(listener.cxLengthMs, rt.stats().cxLengthMs);
    ch.closeFuture().addListener(f -> {
      listenerActive.dec();
      rt.stats().cxActive.dec();
      length.closed();
    });
    ChannelPipeline p = ch.pipeline();
    // Many small writes per response (headers, body, HTTP/2 frames): one syscall per batch instead of per write.
    p.addLast(FLUSH, new io.netty.handler.flush.FlushConsolidationHandler(64, true));
    long idleMs = cfg.idleTimeout().toMillis();
    if (idleMs > 0) {
      p.addLast("idle", new IdleTimeoutHandler(idleMs));
    }
    if (listener.ssl().isPresent()) {
      rt.stats().cxSslTotal.inc();
      p.addLast("ssl", listener.ssl().get().newHandler(ch.alloc()));
      p.addLast("tls-observer", new io.wasmplane.dataplane.tls.TlsHandshakeObserver(listener.tlsStats));
      addNetworkFilters(p);
      p.addLast("alpn", new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
          if (ApplicationProtocolNames.HTTP_2.equals(protocol) && cfg.codecType() != HcmConfig.CodecType.HTTP1) {
            addHttp2(ctx.pipeline(), ch, id, true, cfg);
          } else {
            addHttp1(ctx.pipeline(), ch, id, true, cfg);
          }
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
          ctx.close(); // counted and logged at debug by the TlsHandshakeObserver: a peer must not flood the log
        }
      });
      return;
    }
    addNetworkFilters(p);
    switch (cfg.codecType()) {
      case HTTP1 -> addHttp1(p, ch, id, false, cfg);
      case HTTP2 -> addHttp2(p, ch, id, false, cfg);
      case AUTO -> addAuto(p, ch, id, cfg);
    }
  }

  /**
   * HTTP/1.1 has one response in flight and flushes it once (after its last write), so consolidating flushes only
   * adds a handler hop and a task per response; HTTP/2 keeps it (frames of many streams share one write).
   */
  private static void dropFlushConsolidation(ChannelPipeline p) {
    if (p.get(FLUSH) != null) {
      p.remove(FLUSH);
    }
  }

  /** Network filters see the connection's (decrypted) bytes before the HTTP codec or the TCP proxy. */
  private void addNetworkFilters(ChannelPipeline p) {
    if (listener.networkFilters() == null || listener.networkFilters().isEmpty()) {
      return;
    }
    p.addFirst("downstream-head", new io.wasmplane.dataplane.network.DownstreamHead());
    int i = 0;
    for (ChannelHandler h : listener.networkFilters().newHandlers(listener.networkConfigMissing)) {
      p.addLast("network-filter-" + i++, h);
    }
  }

  /** A TCP proxy listener: [TLS], network filters, then the proxy; reads start once the upstream is connected. */
  private void initTcp(SocketChannel ch) {
    listener.cxTotal.inc();
    io.wasmplane.dataplane.stats.Gauge listenerActive = listener.cxActive;
    listenerActive.inc();
    tracker.add(ch);
    listener.connections.add(ch);
    ConnectionLength length = new ConnectionLength(listener.cxLengthMs, null);
    ch.closeFuture().addListener(f -> {
      listenerActive.dec();
      length.closed();
    });
    ch.config().setAutoRead(false);
    ch.config().setOption(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, true);
    ChannelPipeline p = ch.pipeline();
    p.addLast("downstream-head", new io.wasmplane.dataplane.network.DownstreamHead());
    long idleMs = listener.tcpProxy().config().idleTimeout().toMillis();
    if (idleMs > 0) {
      p.addLast("idle", new IdleStateHandler(0, 0, idleMs, TimeUnit.MILLISECONDS));
    }
    if (listener.ssl().isPresent()) {
      p.addLast("ssl", listener.ssl().get().newHandler(ch.alloc()));
      p.addLast("tls-observer", new io.wasmplane.dataplane.tls.TlsHandshakeObserver(listener.tlsStats));
    }
    if (listener.networkFilters() != null) {
      int i = 0;
      for (ChannelHandler h : listener.networkFilters().newHandlers(listener.networkConfigMissing)) {
        p.addLast("network-filter-" + i++, h);
      }
    }
    p.addLast("tcp-proxy", listener.tcpProxy().newHandler());
  }

  private HttpServerCodec http1Codec(HcmConfig cfg) {
    int max = cfg.maxRequestHeadersBytes();
    return new HttpServerCodec(new HttpDecoderConfig()
        .setMaxInitialLineLength(max)
        .setMaxHeaderSize(max)
        .setMaxChunkSize(64 * 1024)
        .setHeadersFactory(io.wasmplane.dataplane.http.ArrayHttpHeaders.FACTORY)
        .setTrailersFactory(io.wasmplane.dataplane.http.ArrayHttpHeaders.FACTORY));
  }

  private void addHttp1(ChannelPipeline p, Channel ch, long id, boolean tls, HcmConfig cfg) {
    listener.hcm().stats().cxHttp1Total.inc();
    dropFlushConsolidation(p);
    p.addLast("codec", http1Codec(cfg));
    p.addLast("expect", new HttpServerExpectContinueHandler());
    p.addLast(HCM, newHcm(ch, false, tls, id));
  }

  private void addHttp2(ChannelPipeline p, Channel ch, long id, boolean tls, HcmConfig cfg) {
    listener.hcm().stats().cxHttp2Total.inc();
    p.addLast("h2", http2Handler(ch, id, tls, cfg));
    p.addLast("h2idle", new Http2ConnectionTail());
  }

  private void addAuto(ChannelPipeline p, Channel ch, long id, HcmConfig cfg) {
    HttpServerCodec codec = http1Codec(cfg);
    HttpServerUpgradeHandler.UpgradeCodecFactory upgrades = protocol -> {
      if (!AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)) {
        return null;
      }
      listener.hcm().stats().cxHttp2Total.inc();
      return new Http2ServerUpgradeCodec("h2", http2Handler(ch, id, false, cfg), new Http1Remover());
    };
    HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(codec, upgrades, 64 * 1024);
    ChannelHandler priorKnowledge = new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel c) {
        listener.hcm().stats().cxHttp2Total.inc();
        c.pipeline().remove(HCM);
        c.pipeline().remove("expect");
        c.pipeline().remove(H1_CONFIRM);
        c.pipeline().addLast("h2", http2Handler(ch, id, false, cfg));
        c.pipeline().addLast("h2idle", new Http2ConnectionTail());
      }
    };
    p.addLast("detect", new CleartextHttp2ServerUpgradeHandler(codec, upgrade, priorKnowledge));
    p.addLast(H1_CONFIRM, new Http1Confirmation());
    p.addLast("expect", new HttpServerExpectContinueHandler());
    p.addLast(HCM, newHcm(ch, false, false, id));
  }

  /** HTTP/2 with one connection manager per stream, fed by the connection's handler (no child channels). */
  private Http2StreamsHandler http2Handler(Channel ch, long id, boolean tls, HcmConfig cfg) {
    Http2Settings settings = io.wasmplane.dataplane.http.Http2Tuning.settings(cfg.http2())
        .maxHeaderListSize(cfg.maxRequestHeadersBytes());
    InetSocketAddress remote = io.wasmplane.dataplane.network.ConnectionInfo.remote(ch);
    InetSocketAddress local = io.wasmplane.dataplane.network.ConnectionInfo.local(ch);
    return Http2StreamsHandler.create(settings, cfg.http2(), listener.hcm().stats(),
        stream -> {
          HttpConnectionManagerHandler h = new HttpConnectionManagerHandler(listener, tls, id, remote, local, stream);
          h.connectionTls = ch.attr(io.wasmplane.dataplane.network.ConnectionInfo.TLS_SESSION).get();
          h.connection = ch;
          return h;
        });
  }

  private HttpConnectionManagerHandler newHcm(Channel ch, boolean http2, boolean tls, long id) {
    return new HttpConnectionManagerHandler(listener, http2, tls, id,
        io.wasmplane.dataplane.network.ConnectionInfo.remote(ch), io.wasmplane.dataplane.network.ConnectionInfo.local(ch));
  }

  /**
   * On a cleartext AUTO port, the first request that reaches the connection manager as HTTP/1.1 settles the codec:
   * count the connection as HTTP/1.1 (Envoy's downstream_cx_http1_total) and take Netty's upgrade handler out, so
   * later requests skip its per-request Upgrade check (clients upgrade to h2c on their first request).
   */
  private final class Http1Confirmation extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof io.netty.handler.codec.http.HttpRequest) {
        listener.hcm().stats().cxHttp1Total.inc();
        HttpServerUpgradeHandler upgrade = ctx.pipeline().get(HttpServerUpgradeHandler.class);
        if (upgrade != null) {
          ctx.pipeline().remove(upgrade);
        }
        dropFlushConsolidation(ctx.pipeline());
        ctx.pipeline().remove(this);
      }
      ctx.fireChannelRead(msg);
    }
  }

  /** After an h2c upgrade the HTTP/1.1 connection manager must leave the connection's pipeline. */
  private static final class Http1Remover extends ChannelInboundHandlerAdapter {
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ChannelPipeline p = ctx.pipeline();
      if (p.get(HCM) != null) {
        p.remove(HCM);
      }
      if (p.get("expect") != null) {
        p.remove("expect");
      }
      if (p.get(H1_CONFIRM) != null) {
        p.remove(H1_CONFIRM);
      }
      p.addLast("h2idle", new Http2ConnectionTail());
      p.remove(this);
    }
  }

  /**
   * The tail of an HTTP/2 connection pipeline: idle timeout closes it; drain sends GOAWAY (NO_ERROR, last stream id =
   * the last the client opened) and closes once the streams in flight have finished (closing at once lost their
   * responses); any other error that reaches it closes the connection (logged at debug: a peer must not be able to
   * flood the log).
   */
  private static final class Http2ConnectionTail extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Http2ConnectionTail.class);
    private boolean draining;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt == DrainEvent.INSTANCE) {
        drain(ctx);
        return;
      }
      if (evt instanceof IdleStateEvent) {
        ctx.close();
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // HTTP/2 protocol errors are answered and counted by Http2StreamsHandler; anything else closes the connection.
      log.debug("event=downstream_h2_error remote={} cause={}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }

    private void drain(ChannelHandlerContext ctx) {
      Http2ConnectionHandler h2 = ctx.pipeline().get(Http2ConnectionHandler.class);
      if (draining || h2 == null) {
        return;
      }
      draining = true;
      Http2Connection connection = h2.connection();
      connection.addListener(new Http2ConnectionAdapter() {
        @Override
        public void onStreamClosed(Http2Stream stream) {
          closeWhenDone(ctx, connection);
        }
      });
      ChannelHandlerContext h2ctx = ctx.pipeline().context(h2);
      h2.goAway(h2ctx, connection.remote().lastStreamCreated(), Http2Error.NO_ERROR.code(),
          Unpooled.EMPTY_BUFFER, h2ctx.newPromise()).addListener(f -> closeWhenDone(ctx, connection));
      h2ctx.flush();
    }

    /** Once no stream is active: flush what the last stream wrote, then close (after the current task). */
    private static void closeWhenDone(ChannelHandlerContext ctx, Http2Connection connection) {
      if (connection.numActiveStreams() == 0 && ctx.channel().isOpen()) {
        ctx.channel().eventLoop().execute(() -> ctx.channel().writeAndFlush(Unpooled.EMPTY_BUFFER)
            .addListener(ChannelFutureListener.CLOSE));
      }
    }
  }
}

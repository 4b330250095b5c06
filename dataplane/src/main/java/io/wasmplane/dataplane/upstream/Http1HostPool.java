package io.wasmplane.dataplane.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.wasmplane.dataplane.http.ArrayHttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.timeout.IdleStateEvent;
import io.wasmplane.dataplane.http.IdleTimeoutHandler;
import java.util.ArrayDeque;

/** HTTP/1.1 upstream: one request per connection at a time, idle connections kept for reuse. */
final class Http1HostPool extends HostPool {
  private final ArrayDeque<Conn> idle = new ArrayDeque<>();

  Http1HostPool(WorkerPool worker, UpstreamHost host) {
    super(worker, host);
  }

  @Override
  void submit(UpstreamStream s) {
    Conn c;
    while ((c = idle.pollFirst()) != null) {
      if (c.channel.isActive()) {
        c.bind(s);
        return;
      }
    }
    if (canOpenConnection()) {
      open(s);
    } else {
      queueOrOverflow(s);
    }
  }

  private void open(UpstreamStream s) {
    cluster.stats().cxHttp1Total.inc();
    Conn conn = new Conn();
    var f = connect(ch -> {
      ch.pipeline().addLast("codec", new HttpClientCodec(new HttpDecoderConfig()
          .setMaxInitialLineLength(4096).setMaxHeaderSize(64 * 1024).setMaxChunkSize(64 * 1024)
          .setHeadersFactory(ArrayHttpHeaders.FACTORY).setTrailersFactory(ArrayHttpHeaders.FACTORY), false, false));
      long idleMs = cluster.config().idleTimeout().toMillis();
      if (idleMs > 0) {
        ch.pipeline().addLast("idle", new IdleTimeoutHandler(idleMs));
      }
      ch.pipeline().addLast("conn", conn);
    });
    conn.channel = f.channel();
    f.addListener(cf -> {
      if (cf.isSuccess()) {
        if (s.done()) {
          release(conn, true);
        } else {
          conn.bind(s);
        }
      } else {
        s.fail(ResetReason.CONNECTION_FAILURE, describe(cf.cause()));
        openForWaiting();
      }
    });
  }

  private void openForWaiting() {
    if (!waiting.isEmpty() && canOpenConnection()) {
      open(takeWaiting());
    }
  }

  private void release(Conn c, boolean reusable) {
    c.current = null;
    if (!reusable || !c.channel.isActive()) {
      c.channel.close();
      openForWaiting();
      return;
    }
    UpstreamStream next = takeWaiting();
    if (next != null) {
      c.bind(next);
    } else {
      idle.addFirst(c);
    }
  }

  @Override
  void reset(UpstreamStream s, Channel channel) {
    if (channel != null) {
      channel.close();
    }
  }

  @Override
  void closeAll() {
    idle.forEach(c -> c.channel.close());
    idle.clear();
  }

  /** One HTTP/1.1 connection; the handler at the end of its pipeline. */
  private final class Conn extends ChannelInboundHandlerAdapter {
    Channel channel;
    UpstreamStream current;
    boolean keepAlive;

    void bind(UpstreamStream s) {
      current = s;
      keepAlive = true;
      s.bind(channel, () -> {
        if (s.takeOver() != null) { // an upgraded connection leaves the pool for good
          current = null;
          channel.pipeline().remove(this);
          s.takeOver().accept(channel);
          return;
        }
        boolean reusable = keepAlive && s.requestSent();
        release(this, reusable);
      });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
        // Bytes that are not an HTTP response (the codec's placeholder is a "999 Unknown"): a protocol error.
        io.netty.util.ReferenceCountUtil.release(msg);
        UpstreamStream s = current;
        current = null;
        if (s != null) {
          s.fail(ResetReason.PROTOCOL_ERROR, describe(o.decoderResult().cause()));
        }
        ctx.close();
        return;
      }
      if (msg instanceof HttpResponse r && !HttpUtil.isKeepAlive(r)) {
        keepAlive = false;
      }
      UpstreamStream s = current;
      if (s == null) {
        io.netty.util.ReferenceCountUtil.release(msg);
        ctx.close(); // bytes on an idle connection: protocol violation
        return;
      }
      s.onInbound((HttpObject) msg);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      UpstreamStream s = current;
      if (s != null) {
        s.writabilityChanged(ctx.channel().isWritable());
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      idle.remove(this);
      UpstreamStream s = current;
      current = null;
      if (s != null) {
        cluster.stats().cxDestroyRemote.inc();
        s.fail(ResetReason.CONNECTION_TERMINATION, "connection termination");
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent && current == null) {
        cluster.stats().cxIdleTimeout.inc();
        ctx.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      UpstreamStream s = current;
      current = null;
      if (s != null) {
        // A failed TLS handshake is a connection failure (Envoy: 503, "TLS_error"); a TCP reset or other I/O error a
        // terminated connection; anything else is the peer breaking HTTP.
        javax.net.ssl.SSLException tls = tlsFailure(cause);
        if (tls != null) {
          s.fail(ResetReason.CONNECTION_FAILURE, "TLS_error: " + describe(tls));
        } else {
          s.fail(cause instanceof java.io.IOException ? ResetReason.CONNECTION_TERMINATION : ResetReason.PROTOCOL_ERROR,
              describe(cause));
        }
      }
      ctx.close();
    }
  }
}

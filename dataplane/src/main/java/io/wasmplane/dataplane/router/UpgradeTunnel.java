package io.wasmplane.dataplane.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.wasmplane.dataplane.http.HcmStats;
import java.util.ArrayDeque;

/**
 * After an upstream answered an HTTP/1.1 upgrade with 101, the downstream and upstream connections become one raw
 * byte tunnel: each side's HTTP codec leaves its pipeline and a relay forwards bytes to the other side, pausing reads
 * while the other side cannot take more. A FIN on one side (TCP half-close) ends the other side's output once what
 * came before it is written, and the other direction keeps flowing until it ends too; a full close or reset on either
 * side closes the other. Both connections are on the same event loop; each side attaches once its exchange (101, or
 * 200 to CONNECT) is finished.
 */
public final class UpgradeTunnel {
  private final HcmStats stats;
  private final Side downstream = new Side();
  private final Side upstream = new Side();
  private boolean abandoned;

  UpgradeTunnel(HcmStats stats) {
    this.stats = stats;
    downstream.peer = upstream;
    upstream.peer = downstream;
  }

  /**
   * The upstream connection, its 101 response read: the relay replaces the HTTP/1.1 client codec and the pool's
   * handlers (the connection never goes back to the pool).
   */
  public void attachUpstream(Channel ch) {
    ChannelPipeline p = ch.pipeline();
    p.addLast("upgrade-tunnel", upstream);
    removeIfPresent(p, p.get("idle"));
    removeIfPresent(p, p.get(HttpClientCodec.class)); // bytes it still holds flow on to the relay
    upstream.attached(ch);
    if (abandoned) {
      ch.close();
    }
  }

  /** The downstream stream was reset before its side attached: the upstream connection has nobody to talk to. */
  void abandon() {
    if (downstream.channel == null) {
      abandoned = true;
      if (upstream.channel != null) {
        upstream.channel.close();
      }
    }
  }

  /**
   * The downstream connection, the 101 written: the relay goes in front of the connection manager {@code hcm} (which
   * stays for the connection's close accounting) and the HTTP/1.1 server handlers leave.
   */
  public void attachDownstream(ChannelHandlerContext hcm) {
    ChannelPipeline p = hcm.pipeline();
    p.addBefore(hcm.name(), "upgrade-tunnel", downstream);
    removeIfPresent(p, p.get(HttpServerExpectContinueHandler.class));
    removeIfPresent(p, p.get(HttpServerUpgradeHandler.class));
    removeIfPresent(p, p.get(HttpServerCodec.class));
    stats.cxUpgradesTotal.inc();
    stats.cxUpgradesActive.inc();
    hcm.channel().closeFuture().addListener(f -> stats.cxUpgradesActive.dec());
    downstream.attached(hcm.channel());
  }

  private static void removeIfPresent(ChannelPipeline p, ChannelHandler h) {
    if (h != null) {
      p.remove(h);
    }
  }

  /** One connection's relay: its reads go to the peer's connection. */
  private static final class Side extends ChannelInboundHandlerAdapter {
    Side peer;
    Channel channel;
    boolean closed;
    /** This side's peer sent FIN: nothing more will be read here. */
    boolean inputShut;
    final ArrayDeque<ByteBuf> early = new ArrayDeque<>();

    void attached(Channel ch) {
      channel = ch;
      ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
      if (!ch.isActive()) {
        closed = true;
      }
      if (peer.channel != null) {
        peer.flushEarly();
        flushEarly();
        if (closed || peer.closed) {
          closeBoth();
          return;
        }
        if (inputShut) {
          peer.endOutput();
        }
        if (peer.inputShut) {
          endOutput();
        }
      }
    }

    /**
     * The peer finished sending: once everything it sent is written, this connection's output ends with a FIN; a
     * connection whose input ended too is done and closes (TLS connections close instead of half-closing).
     */
    private void endOutput() {
      Channel ch = channel;
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
        if (inputShut || !(ch instanceof DuplexChannel d) || ch.pipeline().get(SslHandler.class) != null) {
          ch.close();
        } else {
          d.shutdownOutput();
        }
      });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        inputShut = true;
        if (peer.channel != null) {
          peer.endOutput();
        }
        return;
      }
      if (evt instanceof ChannelInputShutdownReadComplete) {
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    /** Bytes read before the peer was attached. */
    private void flushEarly() {
      ByteBuf b;
      while ((b = early.poll()) != null) {
        peer.channel.write(b, peer.channel.voidPromise());
      }
      peer.channel.flush();
      if (!inputShut) {
        channel.config().setAutoRead(peer.channel.isWritable());
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg); // the empty end of the 101 exchange
        return;
      }
      if (peer.channel == null) {
        early.add(buf);
        ctx.channel().config().setAutoRead(false);
        return;
      }
      peer.channel.writeAndFlush(buf, peer.channel.voidPromise());
      if (!peer.channel.isWritable()) {
        ctx.channel().config().setAutoRead(false); // backpressure: resume when the peer drains
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      // A side whose input ended reads no more (epoll refuses to re-arm reading a half-closed socket).
      if (peer.channel != null && !peer.inputShut && ctx.channel().isWritable()) {
        peer.channel.config().setAutoRead(true);
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      closed = true;
      if (peer.channel != null) {
        peer.channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      }
      early.forEach(ReferenceCountUtil::release);
      early.clear();
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }

    private void closeBoth() {
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      peer.channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}

package io.wasmplane.dataplane.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.util.ReferenceCountUtil;
import io.wasmplane.dataplane.http.HttpStream;
import java.util.ArrayDeque;

/**
 * WebSocket over an HTTP/2 downstream (RFC 8441) to an HTTP/1.1 upstream, as Envoy converts it: once the upstream
 * answered 101 (sent on as 200), the upstream connection's raw bytes become the stream's DATA and the stream's DATA
 * is written to the connection. The client's END_STREAM half-closes the connection (FIN) once its bytes are out; the
 * upstream's FIN or close ends the response. The connection never returns to the pool.
 */
final class H2UpgradeBridge extends ChannelInboundHandlerAdapter {
  private final HttpStream stream;
  private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
  private Channel upstream;
  private boolean pendingEnd;
  private boolean upstreamInputShut;
  private boolean responseEnded;
  private boolean closed;

  H2UpgradeBridge(HttpStream stream) {
    this.stream = stream;
  }

  /** The upstream connection, its 101 read: the bridge replaces the HTTP/1.1 client codec. */
  void attachUpstream(Channel ch) {
    if (closed) {
      ch.close();
      return;
    }
    upstream = ch;
    ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    ChannelPipeline p = ch.pipeline();
    p.addLast("h2-upgrade-bridge", this);
    if (p.get("idle") != null) {
      p.remove("idle");
    }
    HttpClientCodec codec = p.get(HttpClientCodec.class);
    if (codec != null) {
      p.remove(codec);
    }
    ByteBuf b;
    while ((b = pending.poll()) != null) {
      ch.write(b);
    }
    ch.flush();
    if (pendingEnd) {
      endUpstreamOutput();
    }
  }

  /** Downstream DATA: to the upstream connection (held until it is attached). */
  void toUpstream(ByteBuf data, boolean end) {
    if (closed) {
      data.release();
      return;
    }
    if (upstream == null) {
      pending.add(data);
      pendingEnd |= end;
      return;
    }
    upstream.writeAndFlush(data);
    if (end) {
      endUpstreamOutput();
    }
  }

  private void endUpstreamOutput() {
    Channel ch = upstream;
    ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
      if (ch instanceof DuplexChannel d && ch.isActive() && ch.pipeline().get("ssl") == null) {
        d.shutdownOutput();
      } else {
        ch.close();
      }
    });
  }

  /** Backpressure: the downstream stream cannot take more, so stop reading the upstream. */
  void setReading(boolean on) {
    if (upstream != null && !upstreamInputShut) {
      upstream.config().setAutoRead(on);
    }
  }

  /** The stream is done or gone: the upstream connection goes with it. */
  void close() {
    closed = true;
    pending.forEach(ReferenceCountUtil::release);
    pending.clear();
    if (upstream != null) {
      upstream.close();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf buf && buf.isReadable() && !responseEnded && !closed) {
      stream.encodeData(buf, false);
      return;
    }
    ReferenceCountUtil.release(msg); // the empty end of the 101 exchange, or bytes after the end
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      upstreamInputShut = true;
      endResponse();
      return;
    }
    if (!(evt instanceof ChannelInputShutdownReadComplete)) {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    upstreamInputShut = true;
    endResponse();
    ctx.fireChannelInactive();
  }

  /** Backpressure the other way: while the connection cannot take more, the stream stops reading its DATA. */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (!closed) {
      stream.upstreamWritabilityChanged(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  private void endResponse() {
    if (!responseEnded && !closed) {
      responseEnded = true;
      stream.encodeData(Unpooled.EMPTY_BUFFER, true);
    }
  }
}

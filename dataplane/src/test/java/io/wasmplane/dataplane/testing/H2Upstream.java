package io.wasmplane.dataplane.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** A real HTTP/2 (h2c prior knowledge) upstream: answers each stream with its :path and the connection count. */
public final class H2Upstream implements AutoCloseable {
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;
  public final AtomicInteger connections = new AtomicInteger();
  public final AtomicInteger streams = new AtomicInteger();

  public final AtomicInteger closedConnections = new AtomicInteger();
  /** Streams open right now, and the most there ever were on one connection. */
  public final AtomicInteger maxStreamsPerConnection = new AtomicInteger();
  private final long delayMs;
  private final int responseBytes;

  public H2Upstream() throws InterruptedException {
    this(b -> b, 0, 0);
  }

  /**
   * {@code codec} tunes each connection's codec (SETTINGS, a frame recorder, no PING answers); responses wait
   * {@code delayMs} and carry {@code responseBytes} bytes of body instead of the path when positive.
   */
  public H2Upstream(java.util.function.UnaryOperator<Http2FrameCodecBuilder> codec, long delayMs, int responseBytes)
      throws InterruptedException {
    this.delayMs = delayMs;
    this.responseBytes = responseBytes;
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            connections.incrementAndGet();
            ch.closeFuture().addListener(f -> closedConnections.incrementAndGet());
            AtomicInteger open = new AtomicInteger();
            ch.pipeline().addLast(codec.apply(Http2FrameCodecBuilder.forServer()).build());
            ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
              @Override
              protected void initChannel(Http2StreamChannel sc) {
                maxStreamsPerConnection.accumulateAndGet(open.incrementAndGet(), Math::max);
                sc.closeFuture().addListener(f -> open.decrementAndGet());
                sc.pipeline().addLast(new StreamHandler());
              }
            }));
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
  }

  public int port() {
    return ((java.net.InetSocketAddress) server.localAddress()).getPort();
  }

  private final class StreamHandler extends ChannelInboundHandlerAdapter {
    private String path;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Http2HeadersFrame h) {
        path = String.valueOf(h.headers().path());
        if (h.isEndStream()) {
          respond(ctx);
        }
      } else if (msg instanceof Http2DataFrame d) {
        boolean end = d.isEndStream();
        d.release();
        if (end) {
          respond(ctx);
        }
      }
    }

    private void respond(ChannelHandlerContext ctx) {
      if (delayMs > 0) {
        ctx.executor().schedule(() -> respondNow(ctx), delayMs, java.util.concurrent.TimeUnit.MILLISECONDS);
      } else {
        respondNow(ctx);
      }
    }

    private void respondNow(ChannelHandlerContext ctx) {
      streams.incrementAndGet();
      if (responseBytes > 0) {
        DefaultHttp2Headers big = new DefaultHttp2Headers();
        big.status("200");
        ctx.write(new DefaultHttp2HeadersFrame(big, false));
        ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[responseBytes]), true));
        return;
      }
      DefaultHttp2Headers headers = new DefaultHttp2Headers();
      headers.status("200");
      headers.set("x-upstream-protocol", "HTTP/2");
      ctx.write(new DefaultHttp2HeadersFrame(headers, false));
      ctx.writeAndFlush(new DefaultHttp2DataFrame(
          Unpooled.copiedBuffer("h2 upstream saw " + path, StandardCharsets.UTF_8), true));
    }
  }

  @Override
  public void close() {
    server.close();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
  }
}

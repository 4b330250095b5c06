package io.wasmplane.dataplane.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Netty's HTTP/2 client with prior knowledge (h2c without upgrade): many streams on one connection. */
public final class H2cClient implements AutoCloseable {
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel channel;

  public record Response(int status, Http2Headers headers, String body) {}

  public H2cClient(int port) throws InterruptedException {
    this(port, b -> b);
  }

  /** {@code codec} tunes the client's codec (a frame recorder, no automatic PING answers...). */
  public H2cClient(int port, java.util.function.UnaryOperator<Http2FrameCodecBuilder> codec) throws InterruptedException {
    channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(codec.apply(Http2FrameCodecBuilder.forClient()).build());
            ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
          }
        })
        .connect("127.0.0.1", port).sync().channel();
  }

  /** Whether the server closed the connection (e.g. after a GOAWAY) within {@code millis}. */
  public boolean closedWithin(long millis) {
    return channel.closeFuture().awaitUninterruptibly(millis);
  }

  public CompletableFuture<Response> request(String method, String path, String authority, String body) {
    return request(method, path, authority, body, java.util.Map.of());
  }

  public CompletableFuture<Response> request(String method, String path, String authority, String body,
      java.util.Map<String, String> extraHeaders) {
    CompletableFuture<Response> result = new CompletableFuture<>();
    new Http2StreamChannelBootstrap(channel).handler(new ChannelInitializer<Http2StreamChannel>() {
      @Override
      protected void initChannel(Http2StreamChannel ch) {
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
          Http2Headers headers;
          final StringBuilder sb = new StringBuilder();

          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame h) {
              if (headers == null) {
                headers = h.headers();
              }
              if (h.isEndStream()) {
                result.complete(new Response(headers.status() == null ? 0 : Integer.parseInt(headers.status().toString()), headers, sb.toString()));
              }
            } else if (msg instanceof Http2DataFrame d) {
              sb.append(d.content().toString(StandardCharsets.UTF_8));
              boolean end = d.isEndStream();
              d.release();
              if (end) {
                result.complete(new Response(Integer.parseInt(headers.status().toString()), headers, sb.toString()));
              }
            } else if (msg instanceof Http2ResetFrame r) {
              result.completeExceptionally(new IllegalStateException("stream reset: " + r.errorCode()));
            }
          }

          @Override
          public void channelInactive(ChannelHandlerContext ctx) {
            result.completeExceptionally(new IllegalStateException("stream closed without response"));
          }
        });
      }
    }).open().addListener(f -> {
      if (!f.isSuccess()) {
        result.completeExceptionally(f.cause());
        return;
      }
      Http2StreamChannel sc = (Http2StreamChannel) f.getNow();
      DefaultHttp2Headers h = new DefaultHttp2Headers();
      h.method(method).path(path).scheme("http").authority(authority);
      extraHeaders.forEach(h::add);
      boolean hasBody = body != null && !body.isEmpty();
      sc.write(new DefaultHttp2HeadersFrame(h, !hasBody));
      if (hasBody) {
        ByteBuf b = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        sc.write(new DefaultHttp2DataFrame(b, true));
      }
      sc.flush();
    });
    return result.orTimeout(10, TimeUnit.SECONDS);
  }

  /** A stream whose DATA flows both ways after its response headers: CONNECT or RFC 8441 extended CONNECT. */
  public static final class Tunnel {
    public final CompletableFuture<Http2Headers> response = new CompletableFuture<>();
    /** Completes on the peer's END_STREAM; fails on RST_STREAM. */
    public final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
    private volatile Http2StreamChannel stream;

    public void send(String data, boolean end) {
      stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer(data, StandardCharsets.UTF_8), end));
    }

    public synchronized String received() {
      return received.toString(StandardCharsets.UTF_8);
    }

    /** Waits (bounded) until {@code n} bytes arrived; returns what arrived. */
    public String await(int n) throws InterruptedException {
      for (int i = 0; i < 500 && received().length() < n; i++) {
        Thread.sleep(10);
      }
      return received();
    }

    synchronized void add(ByteBuf b) {
      byte[] bytes = new byte[b.readableBytes()];
      b.readBytes(bytes);
      received.write(bytes, 0, bytes.length);
    }
  }

  /** Opens a stream with {@code headers} (not ending it) and collects what comes back. */
  public Tunnel open(Http2Headers headers) {
    Tunnel t = new Tunnel();
    new Http2StreamChannelBootstrap(channel).handler(new ChannelInitializer<Http2StreamChannel>() {
      @Override
      protected void initChannel(Http2StreamChannel ch) {
        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2HeadersFrame h) {
              t.response.complete(h.headers());
              if (h.isEndStream()) {
                t.ended.complete(null);
              }
            } else if (msg instanceof Http2DataFrame d) {
              t.add(d.content());
              if (d.isEndStream()) {
                t.ended.complete(null);
              }
              d.release();
            } else if (msg instanceof Http2ResetFrame r) {
              t.ended.completeExceptionally(new IllegalStateException("stream reset: " + r.errorCode()));
            }
          }
        });
      }
    }).open().addListener(f -> {
      if (!f.isSuccess()) {
        t.response.completeExceptionally(f.cause());
        return;
      }
      t.stream = (Http2StreamChannel) f.getNow();
      t.stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, false));
    });
    t.response.orTimeout(10, TimeUnit.SECONDS);
    t.ended.orTimeout(10, TimeUnit.SECONDS);
    return t;
  }

  /** The connection (its close future, its codec). */
  public Channel channel() {
    return channel;
  }

  @Override
  public void close() {
    channel.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}

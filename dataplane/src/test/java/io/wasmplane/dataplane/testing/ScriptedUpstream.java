package io.wasmplane.dataplane.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real upstream (HTTP/1.1, or HTTP/2 with prior knowledge) that answers each request by a script: the next queued
 * {@link Action}, else the default one (200 echoing the request body). For retry tests: reset, refuse, hang, any status,
 * a gRPC trailers-only status, or response headers followed by a reset. Every request it received is recorded.
 */
public final class ScriptedUpstream implements AutoCloseable {
  /** What the upstream does with one request. */
  public sealed interface Action {}

  /** Status and extra headers; 200 with the request body echoed when {@code echo}. */
  public record Respond(int status, boolean echo, String... headers) implements Action {}

  /** HTTP/1.1: close the connection with a TCP RST; HTTP/2: RST_STREAM with {@code h2Error}. */
  public record Reset(Http2Error h2Error) implements Action {}

  /** Never answer. */
  public record Hang() implements Action {}

  /** Response headers (200, no end of stream), then the reset. */
  public record HeadersThenReset() implements Action {}

  public static Action ok() {
    return new Respond(200, true);
  }

  public static Action status(int code, String... headers) {
    return new Respond(code, false, headers);
  }

  public static Action reset() {
    return new Reset(Http2Error.INTERNAL_ERROR);
  }

  public static Action refuseStream() {
    return new Reset(Http2Error.REFUSED_STREAM);
  }

  public static Action hang() {
    return new Hang();
  }

  /** A trailers-only gRPC answer: 200, content-type application/grpc, grpc-status in the headers. */
  public static Action grpcStatus(int code) {
    return new Respond(200, false, "content-type", "application/grpc", "grpc-status", Integer.toString(code));
  }

  public static Action headersThenReset() {
    return new HeadersThenReset();
  }

  /** One request as received. */
  public record Received(String method, String uri, HttpHeaders headers, byte[] body) {
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final String name;
  private final boolean h2;
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;
  private final ConcurrentLinkedQueue<Action> script = new ConcurrentLinkedQueue<>();
  private volatile Action otherwise = ok();
  public final List<Received> received = new CopyOnWriteArrayList<>();

  public static ScriptedUpstream h1(String name) throws InterruptedException {
    return new ScriptedUpstream(name, false);
  }

  public static ScriptedUpstream h2(String name) throws InterruptedException {
    return new ScriptedUpstream(name, true);
  }

  private ScriptedUpstream(String name, boolean h2) throws InterruptedException {
    this.name = name;
    this.h2 = h2;
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            if (!h2) {
              ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(16 << 20), new Handler());
              return;
            }
            ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build());
            ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
              @Override
              protected void initChannel(Http2StreamChannel sc) {
                sc.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new HttpObjectAggregator(16 << 20), new Handler());
              }
            }));
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  public String name() {
    return name;
  }

  /** The next requests get these actions, in order. */
  public ScriptedUpstream then(Action... actions) {
    script.addAll(List.of(actions));
    return this;
  }

  /** Requests beyond the script get this action (default: {@link #ok()}). */
  public ScriptedUpstream otherwise(Action action) {
    this.otherwise = action;
    return this;
  }

  public int requests() {
    return received.size();
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      byte[] body = ByteBufUtil.getBytes(req.content());
      received.add(new Received(req.method().name(), req.uri(), new DefaultHttpHeaders().set(req.headers()), body));
      Action a = script.poll();
      if (a == null) {
        a = otherwise;
      }
      if (a instanceof Respond r) {
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
            r.echo() ? Unpooled.wrappedBuffer(body) : Unpooled.EMPTY_BUFFER);
        resp.headers().set("x-upstream-name", name);
        for (int i = 0; i + 1 < r.headers().length; i += 2) {
          resp.headers().add(r.headers()[i], r.headers()[i + 1]);
        }
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
        ctx.writeAndFlush(resp);
      } else if (a instanceof Reset r) {
        reset(ctx, r.h2Error());
      } else if (a instanceof HeadersThenReset) {
        HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        resp.headers().set("x-upstream-name", name);
        resp.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        ctx.writeAndFlush(resp);
        ctx.executor().schedule(() -> reset(ctx, Http2Error.INTERNAL_ERROR), 100, TimeUnit.MILLISECONDS);
      }
      // Hang: no answer
    }

    private void reset(ChannelHandlerContext ctx, Http2Error error) {
      if (h2) {
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(error));
      } else {
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        ctx.close();
      }
    }
  }

  @Override
  public void close() {
    server.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}

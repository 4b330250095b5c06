package io.wasmplane.dataplane.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/** HTTP/2 upstream: one multiplexed connection per host per worker; each request is a stream on it. */
final class Http2HostPool extends HostPool {
  private Channel connection;
  private boolean connecting;
  private final List<UpstreamStream> starting = new ArrayList<>();

  Http2HostPool(WorkerPool worker, UpstreamHost host) {
    super(worker, host);
  }

  @Override
  void submit(UpstreamStream s) {
    if (connection != null && connection.isActive()) {
      openStream(s);
      return;
    }
    starting.add(s);
    if (!connecting) {
      if (!canOpenConnection()) {
        starting.remove(s);
        queueOrOverflow(s);
        return;
      }
      connectNow();
    }
  }

  private void connectNow() {
    connecting = true;
    cluster.stats().cxHttp2Total.inc();
    var f = connect(ch -> {
      ch.pipeline().addLast("h2", Http2FrameCodecBuilder.forClient().autoAckSettingsFrame(true).build());
      ch.pipeline().addLast("mux", new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
    });
    Channel ch = f.channel();
    f.addListener(cf -> {
      connecting = false;
      List<UpstreamStream> ready = new ArrayList<>(starting);
      starting.clear();
      UpstreamStream w;
      while ((w = takeWaiting()) != null) {
        ready.add(w);
      }
      if (cf.isSuccess()) {
        connection = ch;
        ch.closeFuture().addListener(x -> {
          if (connection == ch) {
            connection = null;
          }
        });
        ready.forEach(this::openStream);
      } else {
        ready.forEach(s -> s.fail(ResetReason.CONNECTION_FAILURE, describe(cf.cause())));
      }
    });
  }

  private void openStream(UpstreamStream s) {
    if (s.done()) {
      return;
    }
    new Http2StreamChannelBootstrap(connection)
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
            s.bind(sc, () -> { });
          } else {
            s.fail(ResetReason.CONNECTION_FAILURE, describe(f.cause()));
          }
        });
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
    if (connection != null) {
      connection.close();
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
      stream.fail(stream.responseStarted() ? ResetReason.REMOTE_RESET : ResetReason.CONNECTION_TERMINATION,
          "stream closed");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      stream.fail(ResetReason.REMOTE_RESET, describe(cause));
      ctx.close();
    }
  }
}

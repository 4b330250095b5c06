package io.wasmplane.dataplane.network;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;

/** First handler of a downstream pipeline with network filters: carries out {@link UpstreamSignal}s at the socket. */
public final class DownstreamHead extends ChannelOutboundHandlerAdapter {
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof UpstreamSignal s) {
      if (s == UpstreamSignal.END && ctx.channel() instanceof DuplexChannel d && d.isActive()) {
        ctx.flush();
        d.shutdownOutput(promise);
      } else {
        promise.trySuccess();
      }
      return;
    }
    ctx.write(msg, promise);
  }
}

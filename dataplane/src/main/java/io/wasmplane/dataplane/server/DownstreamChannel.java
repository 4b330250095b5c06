package io.wasmplane.dataplane.server;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;

/**
 * What a connection manager writes to and controls: a whole HTTP/1.1 connection (its pipeline context) or one HTTP/2
 * stream of a connection (frames on the shared connection, no channel of its own).
 */
interface DownstreamChannel {
  EventLoop eventLoop();

  ByteBufAllocator alloc();

  /** Writes an HTTP object (response head, content, trailers) without flushing. */
  void write(Object msg);

  void writeAndFlush(Object msg);

  /** Sends what was written. */
  void flush();

  /** HTTP/1.1: close the connection now. HTTP/2: reset this stream. */
  void close();

  /** HTTP/1.1: close once everything written is flushed. HTTP/2: reset this stream if it is still open. */
  void closeAfterFlush();

  /** Stop or resume reading requests (HTTP/1.1: the socket; HTTP/2: this stream's flow-control window). */
  void setAutoRead(boolean on);

  /** Where HTTP/1.1 writes go: the connection manager's own pipeline context. */
  static DownstreamChannel of(io.netty.channel.ChannelHandlerContext ctx) {
    return new DownstreamChannel() {
      @Override
      public EventLoop eventLoop() {
        return ctx.channel().eventLoop();
      }

      @Override
      public ByteBufAllocator alloc() {
        return ctx.alloc();
      }

      @Override
      public void write(Object msg) {
        ctx.write(msg, ctx.voidPromise());
      }

      @Override
      public void writeAndFlush(Object msg) {
        ctx.writeAndFlush(msg, ctx.voidPromise());
      }

      @Override
      public void flush() {
        ctx.flush();
      }

      @Override
      public void close() {
        ctx.channel().close();
      }

      @Override
      public void closeAfterFlush() {
        ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
      }

      @Override
      public void setAutoRead(boolean on) {
        ctx.channel().config().setAutoRead(on);
      }
    };
  }
}

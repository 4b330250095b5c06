package io.wasmplane.dataplane.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fires {@link IdleStateEvent}s (all-idle) when a connection neither read nor wrote for the period. Unlike Netty's
 * IdleStateHandler it puts no promise and listener on every write (a write counts when it is made, not when it
 * completes), and one timer per period serves the whole connection.
 */
public final class IdleTimeoutHandler extends ChannelDuplexHandler {
  private final long idleNanos;
  private long lastActivityNanos;
  private ScheduledFuture<?> timer;
  private boolean first = true;

  public IdleTimeoutHandler(long idleMs) {
    this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMs);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    lastActivityNanos = System.nanoTime();
    if (ctx.channel().isRegistered()) {
      arm(ctx, idleNanos);
    }
  }

  @Override
  public void channelRegistered(ChannelHandlerContext ctx) {
    if (timer == null) {
      arm(ctx, idleNanos);
    }
    ctx.fireChannelRegistered();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    lastActivityNanos = System.nanoTime();
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    lastActivityNanos = System.nanoTime();
    ctx.write(msg, promise);
  }

  private void arm(ChannelHandlerContext ctx, long delayNanos) {
    timer = ctx.executor().schedule(() -> check(ctx), delayNanos, TimeUnit.NANOSECONDS);
  }

  private void check(ChannelHandlerContext ctx) {
    timer = null;
    if (!ctx.channel().isOpen()) {
      return;
    }
    long idleFor = System.nanoTime() - lastActivityNanos;
    if (idleFor < idleNanos) {
      arm(ctx, idleNanos - idleFor);
      return;
    }
    arm(ctx, idleNanos);
    IdleStateEvent evt = first ? IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT : IdleStateEvent.ALL_IDLE_STATE_EVENT;
    first = false;
    ctx.fireUserEventTriggered(evt);
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}

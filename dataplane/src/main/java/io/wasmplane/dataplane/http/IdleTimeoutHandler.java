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
 * completes), and reads no clock per read or write: traffic only sets a flag, and a timer that ticks every quarter
 * period counts the quiet ticks. The event fires after four quiet ticks in a row: between one and one and a quarter
 * periods after the last activity, never early. (A clock read costs ~50 ns here, and a proxied request made four.)
 */
public final class IdleTimeoutHandler extends ChannelDuplexHandler {
  private static final int TICKS_PER_PERIOD = 4;

  private final long tickNanos;
  private boolean active;
  private int quietTicks;
  private ScheduledFuture<?> timer;
  private boolean first = true;

  public IdleTimeoutHandler(long idleMs) {
    this.tickNanos = Math.max(1, TimeUnit.MILLISECONDS.toNanos(idleMs) / TICKS_PER_PERIOD);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isRegistered()) {
      arm(ctx);
    }
  }

  @Override
  public void channelRegistered(ChannelHandlerContext ctx) {
    if (timer == null) {
      arm(ctx);
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
    active = true;
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    active = true;
    ctx.write(msg, promise);
  }

  private void arm(ChannelHandlerContext ctx) {
    timer = ctx.executor().schedule(() -> tick(ctx), tickNanos, TimeUnit.NANOSECONDS);
  }

  private void tick(ChannelHandlerContext ctx) {
    timer = null;
    if (!ctx.channel().isOpen()) {
      return;
    }
    arm(ctx);
    if (active) {
      active = false;
      quietTicks = 0;
      return;
    }
    if (++quietTicks < TICKS_PER_PERIOD) {
      return;
    }
    quietTicks = 0; // idle for another whole period before the next event
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

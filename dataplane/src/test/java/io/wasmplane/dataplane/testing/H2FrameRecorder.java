package io.wasmplane.dataplane.testing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.logging.LogLevel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records the frames a Netty HTTP/2 peer exchanges on the wire (plug into a codec builder's {@code frameLogger}): the
 * peer's SETTINGS, its WINDOW_UPDATEs, PINGs, RST_STREAMs, and the DATA bytes sent.
 */
public final class H2FrameRecorder extends Http2FrameLogger {
  public final CompletableFuture<Http2Settings> peerSettings = new CompletableFuture<>();
  /** Inbound WINDOW_UPDATEs as (stream id, increment). */
  public final List<long[]> windowUpdates = new CopyOnWriteArrayList<>();
  public final AtomicInteger pingsReceived = new AtomicInteger();
  public final AtomicInteger pingAcksReceived = new AtomicInteger();
  public final List<Long> resetsReceived = new CopyOnWriteArrayList<>();
  public final AtomicLong dataBytesSent = new AtomicLong();

  public H2FrameRecorder() {
    super(LogLevel.TRACE);
  }

  @Override
  public boolean isEnabled() {
    return true;
  }

  @Override
  public void logSettings(Direction direction, ChannelHandlerContext ctx, Http2Settings settings) {
    if (direction == Direction.INBOUND) {
      peerSettings.complete(settings);
    }
  }

  @Override
  public void logWindowsUpdate(Direction direction, ChannelHandlerContext ctx, int streamId, int increment) {
    if (direction == Direction.INBOUND) {
      windowUpdates.add(new long[] {streamId, increment});
    }
  }

  @Override
  public void logPing(Direction direction, ChannelHandlerContext ctx, long data) {
    if (direction == Direction.INBOUND) {
      pingsReceived.incrementAndGet();
    }
  }

  @Override
  public void logPingAck(Direction direction, ChannelHandlerContext ctx, long data) {
    if (direction == Direction.INBOUND) {
      pingAcksReceived.incrementAndGet();
    }
  }

  @Override
  public void logRstStream(Direction direction, ChannelHandlerContext ctx, int streamId, long errorCode) {
    if (direction == Direction.INBOUND) {
      resetsReceived.add(errorCode);
    }
  }

  @Override
  public void logData(Direction direction, ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endStream) {
    if (direction == Direction.OUTBOUND) {
      dataBytesSent.addAndGet(data.readableBytes());
    }
  }

  /** Inbound WINDOW_UPDATEs on {@code streamId} (0: the connection); on any stream but 0 with -1. */
  public long windowUpdateCount(int streamId) {
    return windowUpdates.stream().filter(w -> streamId < 0 ? w[0] != 0 : w[0] == streamId).count();
  }

  /** Sum of the increments received on stream 0. */
  public long connectionWindowIncrements() {
    return windowUpdates.stream().filter(w -> w[0] == 0).mapToLong(w -> w[1]).sum();
  }
}

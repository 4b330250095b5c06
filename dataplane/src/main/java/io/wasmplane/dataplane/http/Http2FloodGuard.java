package io.wasmplane.dataplane.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.logging.LogLevel;
import io.wasmplane.dataplane.config.Http2Options;
import io.wasmplane.dataplane.stats.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three HTTP/2 flood limits Netty does not enforce, on one connection, with Envoy's formulas:
 * <ul>
 *   <li>{@code max_outbound_frames}: frames written but not yet on the socket; past the limit the connection is closed
 *   without GOAWAY (the queue is what is full) and {@code http2.outbound_flood} counted;</li>
 *   <li>{@code max_inbound_priority_frames_per_stream}: PRIORITY frames received over the connection's life beyond
 *   limit * (1 + opened streams) end it with GOAWAY ENHANCE_YOUR_CALM ({@code http2.inbound_priority_frames_flood});</li>
 *   <li>{@code max_inbound_window_update_frames_per_data_frame_sent}: WINDOW_UPDATEs received beyond
 *   5 + 2 * (opened streams + limit * DATA frames sent) likewise ({@code http2.inbound_window_update_frames_flood}).</li>
 * </ul>
 * A stream counts as opened when we send its response head (server) or its request head (client), as in Envoy.
 * Netty passes every frame read and written through the codec's frame logger, so {@link #frameCounter()} is installed
 * as that: one counter increment per frame. Frames leave the queue in order, so instead of a listener per frame one
 * empty marker write per flush ({@link #drainTracker()}, placed in front of the codec) tells how many are on the socket.
 * Single-threaded: everything runs on the connection's event loop.
 */
public final class Http2FloodGuard {
  private static final Logger log = LoggerFactory.getLogger(Http2FloodGuard.class);
  private static final int MIN_MAX_FRAME_SIZE = 16384;

  /** Where the three floods are counted (the connection manager's or the cluster's http2.* stats). */
  public record Counters(Counter outboundFlood, Counter inboundPriorityFlood, Counter inboundWindowUpdateFlood) {}

  private final long maxOutboundFrames;
  private final long maxPriorityPerStream;
  private final long maxWindowUpdatesPerDataFrame;
  private final Counters counters;
  private final FrameCounter frameCounter = new FrameCounter();
  private final DrainTracker drainTracker = new DrainTracker();
  private long framesQueued;
  private long framesWritten;
  private long framesMarked;
  private long openedStreams;
  private long dataFramesSent;
  private long priorityFramesReceived;
  private long windowUpdatesReceived;
  private boolean outboundFlooded;

  public Http2FloodGuard(Http2Options options, Counters counters) {
    this.maxOutboundFrames = options.maxOutboundFrames();
    this.maxPriorityPerStream = options.maxInboundPriorityFramesPerStream();
    this.maxWindowUpdatesPerDataFrame = options.maxInboundWindowUpdateFramesPerDataFrameSent();
    this.counters = counters;
  }

  /** For the codec builder's {@code frameLogger(...)}: counts frames both ways (and logs nothing). */
  public Http2FrameLogger frameCounter() {
    return frameCounter;
  }

  /** For the pipeline, right in front of (closer to the socket than) the HTTP/2 codec. */
  public ChannelHandler drainTracker() {
    return drainTracker;
  }

  private void sent(ChannelHandlerContext ctx) {
    if (++framesQueued - framesWritten > maxOutboundFrames && !outboundFlooded) {
      outboundFlooded = true;
      counters.outboundFlood().inc();
      log.debug("event=h2_outbound_flood remote={} pending={}", ctx.channel().remoteAddress(), framesQueued - framesWritten);
      // Not from inside the write that is under way (Envoy also closes from a callback), and past the codec, whose
      // close would queue a GOAWAY behind the frames that are not moving and wait for it.
      ChannelHandlerContext below = drainTracker.ctx;
      ctx.channel().eventLoop().execute(() -> (below != null ? below : ctx).close());
    }
  }

  private static RuntimeException flood(String what) {
    // The codec's decode loop finds the Http2Exception in the cause chain: GOAWAY with its code, then close.
    return new FloodDetected(Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM, "too many %s frames", what));
  }

  /** Carries the connection error out of a frame logger callback, which cannot throw checked exceptions. */
  private static final class FloodDetected extends RuntimeException {
    FloodDetected(Http2Exception cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }

  private final class FrameCounter extends Http2FrameLogger {
    FrameCounter() {
      super(LogLevel.TRACE);
    }

    @Override
    public boolean isEnabled() {
      return false;
    }

    @Override
    public void logData(Direction d, ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endStream) {
      if (d == Direction.OUTBOUND) {
        // One write may become several frames (the writer splits at the peer's max frame size, at least 16384):
        // counted at the smallest size, so the WINDOW_UPDATE allowance never falls short of the frames sent.
        long frames = Math.max(1, (data.readableBytes() + MIN_MAX_FRAME_SIZE - 1) / MIN_MAX_FRAME_SIZE);
        dataFramesSent += frames;
        framesQueued += frames - 1;
        sent(ctx);
      }
    }

    @Override
    public void logHeaders(Direction d, ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
        boolean endStream) {
      headers(d, ctx, headers);
    }

    @Override
    public void logHeaders(Direction d, ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
        short weight, boolean exclusive, int padding, boolean endStream) {
      headers(d, ctx, headers);
    }

    private void headers(Direction d, ChannelHandlerContext ctx, Http2Headers headers) {
      if (d == Direction.OUTBOUND) {
        if (headers.status() != null || headers.method() != null) {
          openedStreams++; // a response or request head; trailers carry neither
        }
        sent(ctx);
      }
    }

    @Override
    public void logPriority(Direction d, ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
        boolean exclusive) {
      if (d == Direction.OUTBOUND) {
        sent(ctx);
      } else if (++priorityFramesReceived > maxPriorityPerStream * (1 + openedStreams)) {
        counters.inboundPriorityFlood().inc();
        throw flood("PRIORITY");
      }
    }

    @Override
    public void logWindowsUpdate(Direction d, ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {
      if (d == Direction.OUTBOUND) {
        sent(ctx);
      } else if (++windowUpdatesReceived > 5 + 2 * (openedStreams + maxWindowUpdatesPerDataFrame * dataFramesSent)) {
        counters.inboundWindowUpdateFlood().inc();
        throw flood("WINDOW_UPDATE");
      }
    }

    @Override
    public void logRstStream(Direction d, ChannelHandlerContext ctx, int streamId, long errorCode) {
      outbound(d, ctx);
    }

    @Override
    public void logSettingsAck(Direction d, ChannelHandlerContext ctx) {
      outbound(d, ctx);
    }

    @Override
    public void logSettings(Direction d, ChannelHandlerContext ctx, Http2Settings settings) {
      outbound(d, ctx);
    }

    @Override
    public void logPing(Direction d, ChannelHandlerContext ctx, long data) {
      outbound(d, ctx);
    }

    @Override
    public void logPingAck(Direction d, ChannelHandlerContext ctx, long data) {
      outbound(d, ctx);
    }

    @Override
    public void logPushPromise(Direction d, ChannelHandlerContext ctx, int streamId, int promisedStreamId,
        Http2Headers headers, int padding) {
      outbound(d, ctx);
    }

    @Override
    public void logGoAway(Direction d, ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
      outbound(d, ctx);
    }

    @Override
    public void logUnknownFrame(Direction d, ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags,
        ByteBuf data) {
      outbound(d, ctx);
    }

    private void outbound(Direction d, ChannelHandlerContext ctx) {
      if (d == Direction.OUTBOUND) {
        sent(ctx);
      }
    }
  }

  /**
   * After each flush with new frames: when the socket took everything (the common case) every frame is written; else
   * an empty write whose completion means every frame before it is on the socket. (A marker on every flush cost
   * ~2 % of an h2c request's user time.)
   */
  private final class DrainTracker extends ChannelOutboundHandlerAdapter {
    ChannelHandlerContext ctx;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
      ctx.flush();
      if (framesMarked == framesQueued) {
        return;
      }
      long upTo = framesQueued;
      framesMarked = upTo;
      io.netty.channel.ChannelOutboundBuffer pending = ctx.channel().unsafe().outboundBuffer();
      if (pending != null && pending.isEmpty()) {
        framesWritten = Math.max(framesWritten, upTo);
      } else if (ctx.channel().isActive()) {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER, ctx.newPromise().addListener(f -> framesWritten = Math.max(framesWritten, upTo)));
      }
    }
  }
}

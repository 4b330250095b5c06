package io.wasmplane.dataplane.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;
import io.wasmplane.dataplane.config.Http2Options;
import io.wasmplane.dataplane.http.Http2FloodGuard;
import io.wasmplane.dataplane.http.Http2Tuning;

/**
 * The client end of an HTTP/2 connection to a cluster's host, as the cluster's http2_protocol_options say: our SETTINGS,
 * the connection window raised right after the preface, the flood limits. Shared by the request pools and the active
 * health checker (Envoy's health check codec client uses the cluster's HTTP/2 options too).
 */
final class Http2ClientCodec {
  private Http2ClientCodec() {}

  /** Adds the codec (named "h2") and what it needs to {@code ch}'s pipeline; returns the codec. */
  static Http2FrameCodec install(Channel ch, Http2Options options, ClusterStats stats) {
    // Netty's frame codec opens the connection window to twice the stream window's increase when its initial
    // SETTINGS carry a window size; Envoy's is initial_connection_window_size exactly. So the codec is built from
    // SETTINGS without the window size, which goes into the same (not yet sent) SETTINGS right after.
    Http2Settings settings = Http2Tuning.settings(options);
    Long window = settings.remove(Http2CodecUtil.SETTINGS_INITIAL_WINDOW_SIZE);
    Http2FloodGuard floods = new Http2FloodGuard(options, stats.h2Floods);
    Http2FrameCodec codec = Http2FrameCodecBuilder.forClient().autoAckSettingsFrame(true)
        .initialSettings(settings)
        .encoderEnforceMaxQueuedControlFrames(options.maxOutboundControlFrames())
        .decoderEnforceMaxConsecutiveEmptyDataFrames(options.maxConsecutiveInboundFramesWithEmptyPayload())
        .encoderEnforceMaxConcurrentStreams(true) // streams opened before the peer's lower limit arrived wait for a slot
        .frameLogger(floods.frameCounter())
        .build();
    settings.put(Http2CodecUtil.SETTINGS_INITIAL_WINDOW_SIZE, window);
    ch.pipeline().addLast("h2floods", floods.drainTracker());
    ch.pipeline().addLast("h2", codec);
    ch.pipeline().addLast("h2window", new ConnectionWindow(codec, options));
    return codec;
  }

  /** After the preface (which the codec wrote before passing channelActive on): the WINDOW_UPDATE on stream 0. */
  private static final class ConnectionWindow extends ChannelInboundHandlerAdapter {
    private final Http2FrameCodec codec;
    private final Http2Options options;

    ConnectionWindow(Http2FrameCodec codec, Http2Options options) {
      this.codec = codec;
      this.options = options;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      int delta = Http2Tuning.connectionWindowDelta(codec.connection(), options);
      if (delta > 0) {
        ctx.write(new DefaultHttp2WindowUpdateFrame(delta));
      }
      ctx.flush();
      ctx.pipeline().remove(this);
      ctx.fireChannelActive();
    }
  }
}

package io.wasmplane.dataplane.config;

import java.time.Duration;
import java.util.Optional;

/**
 * Envoy's Http2ProtocolOptions, translated (Envoy's defaults where unset): what we advertise in SETTINGS, the
 * connection-level window we open after the preface, keepalive PINGs and the flood limits (the control-frame and
 * empty-frame ones Netty enforces, the other three {@link io.wasmplane.dataplane.http.Http2FloodGuard}).
 * {@code maxConcurrentStreams} is also how many streams we open on one upstream connection.
 */
public record Http2Options(
    long hpackTableSize,
    long maxConcurrentStreams,
    int initialStreamWindowSize,
    int initialConnectionWindowSize,
    boolean allowConnect,
    Optional<Keepalive> keepalive,
    int maxOutboundControlFrames,
    int maxConsecutiveInboundFramesWithEmptyPayload,
    long maxOutboundFrames,
    long maxInboundPriorityFramesPerStream,
    long maxInboundWindowUpdateFramesPerDataFrameSent) {

  /**
   * Envoy's defaults: 256 MiB windows, 2^31-1 streams, a 4096-byte HPACK table, 1000 queued control frames, 1 empty
   * frame, 10000 queued frames, 100 PRIORITY frames per stream, 10 WINDOW_UPDATEs per DATA frame sent.
   */
  public static final Http2Options DEFAULT = new Http2Options(4096, Integer.MAX_VALUE, 256 * 1024 * 1024, 256 * 1024 * 1024,
      false, Optional.empty(), 1000, 1, 10000, 100, 10);

  /** The same options with extended CONNECT advertised (or not). */
  public Http2Options withAllowConnect(boolean allow) {
    return new Http2Options(hpackTableSize, maxConcurrentStreams, initialStreamWindowSize, initialConnectionWindowSize, allow,
        keepalive, maxOutboundControlFrames, maxConsecutiveInboundFramesWithEmptyPayload, maxOutboundFrames,
        maxInboundPriorityFramesPerStream, maxInboundWindowUpdateFramesPerDataFrameSent);
  }

  /**
   * connection_keepalive: a PING every {@code interval} (plus up to {@code jitterPercent} of it at random; zero: no
   * interval PINGs) and the connection closed when its answer is not back within {@code timeout}; with a non-zero
   * {@code connectionIdleInterval} a new upstream stream on a connection idle that long sends a PING first.
   */
  public record Keepalive(Duration interval, Duration timeout, double jitterPercent, Duration connectionIdleInterval) {}
}

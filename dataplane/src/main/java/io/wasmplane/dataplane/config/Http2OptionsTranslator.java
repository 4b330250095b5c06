package io.wasmplane.dataplane.config;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.KeepaliveSettings;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** Http2ProtocolOptions (HCM downstream, cluster upstream) to {@link Http2Options}, validated as Envoy's proto rules do. */
final class Http2OptionsTranslator {
  private static final long MAX_INT = Integer.MAX_VALUE;
  private static final long MAX_UINT32 = 0xFFFFFFFFL;
  private static final double DEFAULT_JITTER_PERCENT = 15;

  private Http2OptionsTranslator() {}

  /** Custom SETTINGS, METADATA and stream-level errors on invalid messages stay refused: nothing here does them. */
  static Http2Options from(Http2ProtocolOptions p, String where) {
    FieldGuard.onlySupported(p, where, Set.of("hpack_table_size", "max_concurrent_streams", "initial_stream_window_size",
        "initial_connection_window_size", "allow_connect", "connection_keepalive", "max_outbound_control_frames",
        "max_consecutive_inbound_frames_with_empty_payload", "max_outbound_frames", "max_inbound_priority_frames_per_stream",
        "max_inbound_window_update_frames_per_data_frame_sent"));
    Http2Options d = Http2Options.DEFAULT;
    return new Http2Options(
        value(p.hasHpackTableSize(), p.getHpackTableSize(), d.hpackTableSize(), 0, MAX_UINT32, where + ".hpack_table_size"),
        value(p.hasMaxConcurrentStreams(), p.getMaxConcurrentStreams(), d.maxConcurrentStreams(), 1, MAX_INT,
            where + ".max_concurrent_streams"),
        (int) value(p.hasInitialStreamWindowSize(), p.getInitialStreamWindowSize(), d.initialStreamWindowSize(), 65535, MAX_INT,
            where + ".initial_stream_window_size"),
        (int) value(p.hasInitialConnectionWindowSize(), p.getInitialConnectionWindowSize(), d.initialConnectionWindowSize(),
            65535, MAX_INT, where + ".initial_connection_window_size"),
        p.getAllowConnect(),
        p.hasConnectionKeepalive() ? Optional.of(keepalive(p.getConnectionKeepalive(), where + ".connection_keepalive"))
            : Optional.empty(),
        (int) value(p.hasMaxOutboundControlFrames(), p.getMaxOutboundControlFrames(), d.maxOutboundControlFrames(), 1, MAX_INT,
            where + ".max_outbound_control_frames"),
        (int) value(p.hasMaxConsecutiveInboundFramesWithEmptyPayload(), p.getMaxConsecutiveInboundFramesWithEmptyPayload(),
            d.maxConsecutiveInboundFramesWithEmptyPayload(), 1, MAX_INT,
            where + ".max_consecutive_inbound_frames_with_empty_payload (0 is not supported: Netty's limit cannot refuse the first frame)"),
        value(p.hasMaxOutboundFrames(), p.getMaxOutboundFrames(), d.maxOutboundFrames(), 1, MAX_UINT32,
            where + ".max_outbound_frames"),
        value(p.hasMaxInboundPriorityFramesPerStream(), p.getMaxInboundPriorityFramesPerStream(),
            d.maxInboundPriorityFramesPerStream(), 0, MAX_UINT32, where + ".max_inbound_priority_frames_per_stream"),
        value(p.hasMaxInboundWindowUpdateFramesPerDataFrameSent(), p.getMaxInboundWindowUpdateFramesPerDataFrameSent(),
            d.maxInboundWindowUpdateFramesPerDataFrameSent(), 1, MAX_UINT32,
            where + ".max_inbound_window_update_frames_per_data_frame_sent"));
  }

  private static long value(boolean set, UInt32Value v, long dflt, long min, long max, String where) {
    if (!set) {
      return dflt;
    }
    long x = Integer.toUnsignedLong(v.getValue());
    if (x < min || x > max) {
      throw new ConfigException(where + ": must be in " + min + ".." + max + ", got " + x);
    }
    return x;
  }

  private static Http2Options.Keepalive keepalive(KeepaliveSettings k, String where) {
    FieldGuard.onlySupported(k, where, Set.of("interval", "timeout", "interval_jitter", "connection_idle_interval"));
    if (!k.hasTimeout()) {
      throw new ConfigException(where + ".timeout: required");
    }
    Duration interval = k.hasInterval() ? zeroOrAtLeastOneMs(k.getInterval(), where + ".interval") : Duration.ZERO;
    Duration timeout = atLeastOneMs(k.getTimeout(), where + ".timeout");
    Duration idle = k.hasConnectionIdleInterval()
        ? zeroOrAtLeastOneMs(k.getConnectionIdleInterval(), where + ".connection_idle_interval") : Duration.ZERO;
    double jitter = k.hasIntervalJitter() ? k.getIntervalJitter().getValue() : DEFAULT_JITTER_PERCENT;
    if (jitter < 0 || jitter > 100 || Double.isNaN(jitter)) {
      throw new ConfigException(where + ".interval_jitter: must be a percentage in 0..100, got " + jitter);
    }
    return new Http2Options.Keepalive(interval, timeout, jitter, idle);
  }

  /** Zero turns the PING off (as Envoy's docs say); anything else must be at least 1ms. */
  private static Duration zeroOrAtLeastOneMs(com.google.protobuf.Duration d, String where) {
    Duration x = Duration.ofSeconds(d.getSeconds(), d.getNanos());
    return x.isZero() ? x : atLeastOneMs(d, where);
  }

  private static Duration atLeastOneMs(com.google.protobuf.Duration d, String where) {
    Duration x = Duration.ofSeconds(d.getSeconds(), d.getNanos());
    if (x.compareTo(Duration.ofMillis(1)) < 0) {
      throw new ConfigException(where + ": must be at least 1ms, got " + x);
    }
    return x;
  }
}

package io.wasmplane.dataplane.router;

import io.netty.handler.codec.http.HttpHeaders;
import io.wasmplane.dataplane.config.RouteAction;
import io.wasmplane.dataplane.config.RouteMatchSpec;

/**
 * A route's max_stream_duration for one request, in milliseconds from the stream's start (0 = none): with
 * {@code grpc_timeout_header_max} set, a gRPC request's grpc-timeout (less the offset unless that would reach zero,
 * capped by the maximum unless it is zero) replaces max_stream_duration.
 */
final class StreamDeadline {
  private StreamDeadline() {}

  static long millis(RouteAction.StreamDuration d, HttpHeaders headers) {
    long max = d.max().toMillis();
    if (d.grpcHeaderMax() == null || !RouteMatchSpec.isGrpc(headers.get("content-type"))) {
      return max;
    }
    long header = grpcTimeoutMillis(headers.get("grpc-timeout"));
    if (header < 0) {
      return max;
    }
    long offset = d.grpcHeaderOffset().toMillis();
    if (offset < header) {
      header -= offset;
    }
    long cap = d.grpcHeaderMax().toMillis();
    if (cap > 0 && (header == 0 || header > cap)) {
      header = cap;
    }
    return header;
  }

  /** gRPC's "grpc-timeout: 1-8 digits + H|M|S|m|u|n" in milliseconds (sub-millisecond rounds up); -1 if absent or bad. */
  static long grpcTimeoutMillis(String v) {
    if (v == null || v.length() < 2 || v.length() > 9) {
      return -1;
    }
    long n = 0;
    for (int i = 0; i < v.length() - 1; i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return switch (v.charAt(v.length() - 1)) {
      case 'H' -> n * 3_600_000L;
      case 'M' -> n * 60_000L;
      case 'S' -> n * 1000L;
      case 'm' -> n;
      case 'u' -> (n + 999) / 1000;
      case 'n' -> (n + 999_999) / 1_000_000;
      default -> -1;
    };
  }
}

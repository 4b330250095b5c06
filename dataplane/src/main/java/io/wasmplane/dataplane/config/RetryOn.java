package io.wasmplane.dataplane.config;

import java.util.Locale;

/**
 * Envoy's retry conditions ({@code retry_on}, {@code x-envoy-retry-on}, {@code x-envoy-retry-grpc-on}), one bit each.
 * The gRPC ones are judged from the {@code grpc-status} of a trailers-only response.
 */
public enum RetryOn {
  FIVE_XX("5xx", false),
  GATEWAY_ERROR("gateway-error", false),
  RESET("reset", false),
  CONNECT_FAILURE("connect-failure", false),
  RETRIABLE_4XX("retriable-4xx", false),
  REFUSED_STREAM("refused-stream", false),
  RETRIABLE_STATUS_CODES("retriable-status-codes", false),
  RETRIABLE_HEADERS("retriable-headers", false),
  ENVOY_RATELIMITED("envoy-ratelimited", false),
  /** Only about HTTP/3, which never carries our upstream requests: accepted, never fires. */
  HTTP3_POST_CONNECT_FAILURE("http3-post-connect-failure", false),
  GRPC_CANCELLED("cancelled", true),
  GRPC_DEADLINE_EXCEEDED("deadline-exceeded", true),
  GRPC_INTERNAL("internal", true),
  GRPC_RESOURCE_EXHAUSTED("resource-exhausted", true),
  GRPC_UNAVAILABLE("unavailable", true);

  /** Conditions under which any reset (and a per-try timeout) is retried. */
  public static final int ANY_RESET = FIVE_XX.bit | GATEWAY_ERROR.bit | RESET.bit;
  public static final int ANY_GRPC = GRPC_CANCELLED.bit | GRPC_DEADLINE_EXCEEDED.bit | GRPC_INTERNAL.bit
      | GRPC_RESOURCE_EXHAUSTED.bit | GRPC_UNAVAILABLE.bit;

  private static final RetryOn[] ALL = values();

  public final String word;
  public final boolean grpc;
  public final int bit = 1 << ordinal();

  RetryOn(String word, boolean grpc) {
    this.word = word;
    this.grpc = grpc;
  }

  /** The condition named {@code word}, or null. */
  public static RetryOn of(String word) {
    for (RetryOn r : ALL) {
      if (r.word.equals(word)) {
        return r;
      }
    }
    return null;
  }

  /**
   * The bits of a request header's comma-separated list; as Envoy, words of the other kind (HTTP vs gRPC) and unknown
   * words are ignored.
   */
  public static int parseHeader(String value, boolean grpc) {
    int bits = 0;
    for (String w : value.split(",")) {
      RetryOn r = of(w.trim().toLowerCase(Locale.ROOT));
      if (r != null && r.grpc == grpc) {
        bits |= r.bit;
      }
    }
    return bits;
  }
}

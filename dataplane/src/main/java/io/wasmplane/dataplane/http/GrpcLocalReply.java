package io.wasmplane.dataplane.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.wasmplane.dataplane.config.RouteMatchSpec;
import java.nio.charset.StandardCharsets;

/**
 * How Envoy's sendLocalReply answers a gRPC request: a trailers-only response (HTTP 200, content-type
 * application/grpc, grpc-status and grpc-message in the headers, no body). The gRPC status is the one the replying
 * filter passed, else the HTTP status mapped as Envoy's Grpc::Utility::httpToGrpcStatus maps it.
 */
public final class GrpcLocalReply {
  /** No explicit gRPC status: map the HTTP one. */
  public static final int NONE = -1;
  /** What Envoy answers a gRPC request whose max stream duration (or grpc-timeout) ran out. */
  public static final int DEADLINE_EXCEEDED = 4;

  private GrpcLocalReply() {}

  /** Whether {@code request} is a gRPC request, by its content-type (the test route matching uses). */
  public static boolean isGrpc(HttpRequest request) {
    return request != null && RouteMatchSpec.isGrpc(request.headers().get(HttpHeaderNames.CONTENT_TYPE));
  }

  /**
   * Turns the reply's headers into a trailers-only gRPC response's; a grpc-status the reply's own headers carry wins
   * (as in Envoy). {@code message}: the local reply's body, sent as grpc-message when not empty.
   */
  static void apply(HttpHeaders h, int httpStatus, int grpcStatus, String message) {
    h.set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
    if (!h.contains("grpc-status")) {
      h.set("grpc-status", Integer.toString(grpcStatus >= 0 ? grpcStatus : fromHttp(httpStatus)));
    }
    if (message != null && !message.isEmpty()) {
      h.set("grpc-message", percentEncode(message));
    }
  }

  /** Envoy's Grpc::Utility::httpToGrpcStatus (the gRPC "HTTP to gRPC status code mapping"). */
  public static int fromHttp(int httpStatus) {
    return switch (httpStatus) {
      case 400 -> 13; // INTERNAL
      case 401 -> 16; // UNAUTHENTICATED
      case 403 -> 7; // PERMISSION_DENIED
      case 404 -> 12; // UNIMPLEMENTED
      case 429, 502, 503, 504 -> 14; // UNAVAILABLE
      default -> 2; // UNKNOWN
    };
  }

  /** grpc-message as the gRPC HTTP/2 spec sends it: UTF-8, with '%' and bytes outside 0x20..0x7E as %XX. */
  static String percentEncode(String message) {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = null;
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      boolean plain = b >= 0x20 && b <= 0x7e && b != '%';
      if (plain && out == null) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(bytes.length + 16).append(message, 0, i); // bytes before i are ASCII: same index
      }
      if (plain) {
        out.append((char) b);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
    }
    return out == null ? message : out.toString();
  }
}

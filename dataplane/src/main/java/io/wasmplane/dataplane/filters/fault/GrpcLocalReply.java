package io.wasmplane.dataplane.filters.fault;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * How Envoy answers a gRPC request locally: HTTP 200 with grpc-status and grpc-message in the headers (a trailers-only
 * response), the gRPC status being the one asked for or the HTTP status mapped as Envoy maps it.
 */
final class GrpcLocalReply {
  private GrpcLocalReply() {}

  static boolean isGrpc(HttpHeaders request) {
    String ct = request.get(HttpHeaderNames.CONTENT_TYPE);
    return ct != null && ct.regionMatches(true, 0, "application/grpc", 0, 16)
        && (ct.length() == 16 || ct.charAt(16) == '+' || ct.charAt(16) == ';');
  }

  static HttpHeaders headers(int grpcStatus, String message) {
    HttpHeaders h = new DefaultHttpHeaders();
    h.set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
    h.set("grpc-status", Integer.toString(grpcStatus));
    h.set("grpc-message", message);
    return h;
  }

  /** Envoy's Grpc::Utility::httpToGrpcStatus. */
  static int fromHttp(int httpStatus) {
    return switch (httpStatus) {
      case 400 -> 13; // INTERNAL
      case 401 -> 16; // UNAUTHENTICATED
      case 403 -> 7; // PERMISSION_DENIED
      case 404 -> 12; // UNIMPLEMENTED
      case 429, 502, 503, 504 -> 14; // UNAVAILABLE
      default -> 2; // UNKNOWN
    };
  }
}

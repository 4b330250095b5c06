package io.wasmplane.dataplane.accesslog;

import io.netty.handler.codec.http.HttpHeaders;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.http.GrpcLocalReply;
import java.util.List;
import java.util.function.Function;

/**
 * Envoy's %GRPC_STATUS(X)%: for a gRPC request, the grpc-status of the response trailers, else of the response headers
 * (a trailers-only response, as local replies are), else the HTTP response code mapped as Envoy's httpToGrpcStatus;
 * "-" for other requests. X: CAMEL_STRING (the default, "Unavailable"), SNAKE_STRING ("UNAVAILABLE") or NUMBER ("14");
 * a code without a name is printed as its number.
 */
final class GrpcStatusOperator {
  private static final List<String> CAMEL = List.of("Ok", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
      "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented",
      "Internal", "Unavailable", "DataLoss", "Unauthenticated");
  private static final List<String> SNAKE = List.of("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED");

  private GrpcStatusOperator() {}

  static Function<AccessLogFormat.Entry, String> compile(String arg, String where) {
    List<String> names = switch (arg == null || arg.isEmpty() ? "CAMEL_STRING" : arg) {
      case "CAMEL_STRING" -> CAMEL;
      case "SNAKE_STRING" -> SNAKE;
      case "NUMBER" -> List.of();
      default -> throw new ConfigException(where + ": %GRPC_STATUS(" + arg + ")%: the format must be CAMEL_STRING, SNAKE_STRING or NUMBER");
    };
    return e -> {
      long code = status(e);
      if (code < 0) {
        return AccessLogFormat.NONE;
      }
      return code < names.size() ? names.get((int) code) : Long.toString(code);
    };
  }

  /** A gRPC request's status, or -1 for another request or when it has none (no grpc-status and no response sent). */
  static long status(AccessLogFormat.Entry e) {
    if (!GrpcLocalReply.isGrpc(e.request())) {
      return -1;
    }
    long code = parse(e.responseTrailers());
    if (code < 0 && e.response() != null) {
      code = parse(e.response().headers());
    }
    if (code < 0 && e.info().responseCode > 0) {
      code = GrpcLocalReply.fromHttp(e.info().responseCode);
    }
    return code;
  }

  private static long parse(HttpHeaders h) {
    String v = h == null ? null : h.get("grpc-status");
    if (v == null) {
      return -1;
    }
    try {
      long n = Long.parseLong(v.trim());
      return n < 0 ? -1 : n;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}

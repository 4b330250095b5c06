package io.wasmplane.dataplane.upstream;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.wasmplane.dataplane.config.HealthCheckConfig;
import java.io.IOException;

/**
 * The grpc.health.v1.Health/Check call of a gRPC health check, framed by hand (one length-prefixed message each way)
 * so it rides the checker's own HTTP/2 connection: the host passes only on HTTP 200, grpc-status 0 and SERVING.
 */
final class GrpcHealthProbe {
  static final String PATH = "/grpc.health.v1.Health/Check";

  private GrpcHealthProbe() {}

  static FullHttpRequest request(HealthCheckConfig.GrpcCheck grpc) {
    byte[] msg = HealthCheckRequest.newBuilder().setService(grpc.serviceName()).build().toByteArray();
    ByteBuf body = Unpooled.buffer(5 + msg.length).writeByte(0).writeInt(msg.length).writeBytes(msg);
    FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, PATH, body);
    grpc.initialMetadata().forEach((k, v) -> req.headers().set(k, v));
    req.headers().set(HttpHeaderNames.HOST, grpc.authority());
    req.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
    req.headers().set(HttpHeaderNames.TE, "trailers");
    req.headers().set(HttpHeaderNames.USER_AGENT, "Envoy/HC");
    req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    return req;
  }

  /**
   * Null when the answer says SERVING, else why not. {@code trailers} may be empty for a trailers-only answer, whose
   * grpc-status is in {@code headers}.
   */
  static String failure(int httpStatus, HttpHeaders headers, ByteBuf body, HttpHeaders trailers) {
    if (httpStatus != 200) {
      return "http status " + httpStatus;
    }
    String grpcStatus = trailers.get("grpc-status", headers.get("grpc-status"));
    if (grpcStatus == null) {
      return "no grpc-status";
    }
    if (!grpcStatus.equals("0")) {
      return "grpc-status " + grpcStatus;
    }
    if (body.readableBytes() < 5) {
      return "no response message";
    }
    int flags = body.readUnsignedByte();
    long length = body.readUnsignedInt();
    if (flags != 0) {
      return "compressed response message";
    }
    if (length != body.readableBytes()) {
      return "response of " + body.readableBytes() + " bytes, message length " + length;
    }
    try {
      HealthCheckResponse r = HealthCheckResponse.parseFrom(new ByteBufInputStream(body));
      return r.getStatus() == HealthCheckResponse.ServingStatus.SERVING ? null : "status " + r.getStatus();
    } catch (InvalidProtocolBufferException e) {
      return "malformed response: " + e.getMessage();
    } catch (IOException e) {
      return "unreadable response: " + e.getMessage();
    }
  }
}

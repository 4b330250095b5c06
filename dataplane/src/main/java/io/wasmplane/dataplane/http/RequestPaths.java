package io.wasmplane.dataplane.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.wasmplane.dataplane.config.PathNormalization;
import io.wasmplane.dataplane.config.RouteMatchSpec;

/** Applies the HCM's {@link PathNormalization} to a new stream's {@code :path}, answering 400 or 307 as Envoy does. */
final class RequestPaths {
  private RequestPaths() {}

  /** Details Envoy gives both the refusal and the redirect. */
  static final String DETAILS = "path_normalization_failed";

  /** Normalizes the request's path in place; false when the stream was answered locally instead. */
  static boolean admit(HttpStream s, HttpRequest req) {
    String uri = req.uri();
    if (uri.isEmpty() || uri.charAt(0) != '/') {
      return true; // CONNECT's authority, "*", an absolute URI: not a path to normalize
    }
    PathNormalization.Outcome o = s.runtime().config().pathNormalization().normalize(uri);
    HcmStats stats = s.runtime().stats();
    boolean grpc = RouteMatchSpec.isGrpc(req.headers().get(HttpHeaderNames.CONTENT_TYPE));
    if (o.action() == PathNormalization.Action.REJECT || (o.action() == PathNormalization.Action.REDIRECT && grpc)) {
      // A gRPC client cannot follow a redirect, so Envoy refuses it instead.
      stats.rqFailedPathNormalization.inc();
      s.sendLocalReplyFromConnectionManager(400, "", DETAILS);
      return false;
    }
    if (o.action() == PathNormalization.Action.REDIRECT) {
      stats.rqRedirectedWithNormalizedPath.inc();
      HttpHeaders location = new DefaultHttpHeaders().set(HttpHeaderNames.LOCATION, o.uri());
      s.sendLocalReplyFromConnectionManager(307, "", location, DETAILS);
      return false;
    }
    if (!o.uri().equals(uri)) {
      req.setUri(o.uri());
    }
    return true;
  }
}

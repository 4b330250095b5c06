package io.wasmplane.dataplane.router;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.wasmplane.dataplane.http.ResponseFlag;
import io.wasmplane.dataplane.http.StreamInfo;
import io.wasmplane.dataplane.upstream.UpstreamCluster;

/**
 * Envoy's answer to a request the cluster's drop_overloads sheds before a host is picked: 503 "drop overload" with
 * details drop_overload, response flag DO, {@code x-envoy-drop-overload: true}, counted as
 * {@code upstream_rq_drop_overload} and charged to the cluster as a 503.
 */
final class DropOverloadReply {
  static final String BODY = "drop overload";
  static final String DETAILS = "drop_overload";
  private static final AsciiString HEADER = AsciiString.cached("x-envoy-drop-overload");

  private DropOverloadReply() {}

  /** Counts the drop and flags the stream; the caller sends the local reply. */
  static void record(UpstreamCluster cluster, StreamInfo info) {
    cluster.stats().dropOverload();
    cluster.stats().rqCompleted.inc();
    cluster.stats().responseCode(503);
    info.setFlag(ResponseFlag.DROP_OVERLOAD);
  }

  static HttpHeaders headers() {
    return new DefaultHttpHeaders().set(HEADER, "true");
  }
}

package io.wasmplane.dataplane.wasm;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.wasmplane.dataplane.http.ResponseFlag;
import io.wasmplane.dataplane.http.StreamInfo;
import io.wasmplane.dataplane.network.Addresses;
import io.wasmplane.dataplane.tls.ConnectionTls;
import io.wasmplane.wasm.PropertyEncoding;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;

/**
 * Envoy's attributes of one HTTP stream (request.*, response.*, source.*, destination.*, connection.*, upstream.*,
 * the route and cluster names), as Proxy-Wasm property values: one table for the Wasm HTTP filter and the Wasm access
 * logger, which add their own (plugin and node names; the finished stream's duration).
 */
public final class StreamProperties {
  private StreamProperties() {}

  /** The value of the attribute at {@code path}, or null when the stream has none (yet). */
  public static byte[] of(List<String> path, StreamInfo info, HttpRequest req, HttpResponse resp) {
    String key = String.join(".", path);
    return switch (key) {
      case "cluster_name", "xds.cluster_name" -> str(info.upstreamCluster);
      case "route_name", "xds.route_name" -> str(info.routeName);
      case "request.path" -> req == null ? null : str(req.uri());
      case "request.url_path" -> req == null ? null : str(urlPath(req.uri()));
      case "request.host" -> req == null ? null : str(req.headers().get("host"));
      case "request.method" -> req == null ? null : str(req.method().name());
      case "request.scheme" -> str(info.downstreamTls ? "https" : "http");
      case "request.protocol" -> str(info.protocol);
      case "request.id" -> req == null ? null : str(req.headers().get("x-request-id"));
      case "request.useragent" -> req == null ? null : str(req.headers().get("user-agent"));
      case "request.referer" -> req == null ? null : str(req.headers().get("referer"));
      case "request.time" -> PropertyEncoding.timestamp(Instant.ofEpochMilli(info.startEpochMillis));
      case "request.size" -> PropertyEncoding.int64(info.bytesReceived);
      case "request.headers" -> req == null ? null : PropertyEncoding.pairs(HeadersView.request(req, info.downstreamTls, false).entries());
      case "response.code" -> resp != null ? PropertyEncoding.int64(resp.status().code())
          : info.responseCode > 0 ? PropertyEncoding.int64(info.responseCode) : null;
      case "response.code_details" -> str(info.responseCodeDetails);
      case "response.flags" -> PropertyEncoding.uint64(flags(info));
      case "response.size" -> PropertyEncoding.int64(info.bytesSent);
      case "response.headers" -> resp == null ? null : PropertyEncoding.pairs(HeadersView.response(resp, false).entries());
      case "source.address" -> address(info.downstreamRemote);
      case "source.port" -> port(info.downstreamRemote);
      case "destination.address" -> address(info.downstreamLocal);
      case "destination.port" -> port(info.downstreamLocal);
      case "connection.id" -> PropertyEncoding.uint64(info.connectionId);
      case "upstream.address" -> str(info.upstreamHost);
      case "upstream.port" -> {
        int colon = info.upstreamHost == null ? -1 : info.upstreamHost.lastIndexOf(':');
        yield colon < 0 ? null : PropertyEncoding.int64(Long.parseLong(info.upstreamHost.substring(colon + 1)));
      }
      case "upstream.local_address" -> address(info.upstreamLocal());
      case "upstream.local_port" -> port(info.upstreamLocal());
      default -> {
        if (path.size() == 2 && path.get(0).equals("connection")) {
          yield ConnectionTls.property(info.downstreamTlsSession, path.get(1));
        }
        if (path.size() == 3 && path.get(0).equals("request") && path.get(1).equals("headers") && req != null) {
          yield str(req.headers().get(path.get(2)));
        }
        if (path.size() == 3 && path.get(0).equals("response") && path.get(1).equals("headers") && resp != null) {
          yield str(resp.headers().get(path.get(2)));
        }
        yield null;
      }
    };
  }

  /** Envoy's bit set: ResponseFlag is declared in Envoy's bit order (FailedLocalHealthCheck = 0x1, ...). */
  static long flags(StreamInfo info) {
    long bits = 0;
    for (ResponseFlag f : info.flags) {
      bits |= 1L << f.ordinal();
    }
    return bits;
  }

  private static String urlPath(String uri) {
    int q = uri.indexOf('?');
    return q < 0 ? uri : uri.substring(0, q);
  }

  private static byte[] str(String s) {
    return s == null ? null : PropertyEncoding.string(s);
  }

  private static byte[] address(InetSocketAddress a) {
    return a == null || a.getAddress() == null ? null : PropertyEncoding.string(Addresses.hostPort(a));
  }

  private static byte[] port(InetSocketAddress a) {
    return a == null ? null : PropertyEncoding.int64(a.getPort());
  }
}

package io.wasmplane.dataplane.wasmext;

import io.wasmplane.dataplane.network.Addresses;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.wasmplane.dataplane.accesslog.AccessLogger;
import io.wasmplane.dataplane.http.HttpStream;
import io.wasmplane.dataplane.http.ResponseFlag;
import io.wasmplane.dataplane.http.StreamInfo;
import io.wasmplane.dataplane.wasm.HeadersView;
import io.wasmplane.dataplane.wasm.PluginHandle;
import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.PluginFailureException;
import io.wasmplane.wasm.PropertyEncoding;
import io.wasmplane.wasm.host.ContextHost;
import io.wasmplane.wasm.host.HeaderMap;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * envoy.access_loggers.wasm: after a stream has finished (its response sent), {@code proxy_on_log} runs on the
 * plugin's root context on the stream's worker, with the stream's headers, trailers and properties readable. The call
 * is queued behind the work already on the loop, so it never delays the response. A failed plugin logs nothing more.
 */
public final class WasmAccessLogger implements AccessLogger {
  private static final Logger log = LoggerFactory.getLogger(WasmAccessLogger.class);

  private final PluginHandle plugin;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  /** Takes over the caller's reference on {@code plugin}; {@link #close()} drops it. */
  public WasmAccessLogger(PluginHandle plugin) {
    this.plugin = plugin;
  }

  /** Drops this logger's plugin reference (idempotent); streams still running and queued entries hold their own. */
  public void close() {
    if (closed.compareAndSet(false, true)) {
      plugin.release();
    }
  }

  /**
   * A filter for the front of the HCM chain whose only job is to hold, for each stream, a reference on this logger's
   * plugin version from stream start until the stream has logged: an HCM replaced while the stream runs then cannot
   * take the version away before the entry is written. The hold goes in a task queued when the stream ends, i.e.
   * after {@link #log} (which runs after the filters' onDestroy) took the entry's own reference.
   */
  public io.wasmplane.dataplane.http.HttpFilterFactory streamHold() {
    return cb -> {
      boolean held = plugin.tryRetain();
      return new io.wasmplane.dataplane.http.HttpFilter() {
        @Override
        public void onDestroy() {
          if (held) {
            cb.eventLoop().execute(plugin::release);
          }
        }
      };
    };
  }

  @Override
  public void log(HttpStream stream) {
    EventLoop loop = stream.eventLoop();
    StreamView view = new StreamView(stream.request(), stream.response(), stream.requestTrailers(), stream.responseTrailers(),
        stream.info(), stream.info().durationMillis());
    if (!plugin.tryRetain()) {
      return; // neither the HCM nor this stream holds the version any more
    }
    loop.execute(() -> {
      try {
        PluginHandle.Instance vm = plugin.instance(loop);
        if (vm.root() != null) {
          vm.root().onLog(view);
        }
      } catch (PluginFailureException e) {
        log.warn("event=wasm_access_log_failed plugin={} error={}", plugin.spec().pluginName(), e.getMessage());
      } finally {
        plugin.release();
      }
    });
  }

  /** What a finished stream shows the plugin: read-only maps and Envoy's stream properties. */
  private record StreamView(HttpRequest request, HttpResponse response, HttpHeaders requestTrailers, HttpHeaders responseTrailers,
      StreamInfo info, long durationMillis) implements ContextHost {

    @Override
    public HeaderMap headerMap(MapType type) {
      return switch (type) {
        case HTTP_REQUEST_HEADERS -> request == null ? null : HeadersView.request(request, info.downstreamTls, false);
        case HTTP_RESPONSE_HEADERS -> response == null ? null : HeadersView.response(response, false);
        case HTTP_REQUEST_TRAILERS -> requestTrailers == null ? null : HeadersView.trailers(requestTrailers, false);
        case HTTP_RESPONSE_TRAILERS -> responseTrailers == null ? null : HeadersView.trailers(responseTrailers, false);
        default -> null;
      };
    }

    @Override
    public byte[] property(List<String> path) {
      String key = String.join(".", path);
      return switch (key) {
        case "response.code" -> info.responseCode > 0 ? PropertyEncoding.int64(info.responseCode) : null;
        case "response.code_details" -> str(info.responseCodeDetails);
        case "response.flags" -> PropertyEncoding.uint64(flags());
        case "response.size" -> PropertyEncoding.int64(info.bytesSent);
        case "request.size" -> PropertyEncoding.int64(info.bytesReceived);
        case "request.duration" -> PropertyEncoding.duration(Duration.ofMillis(durationMillis));
        case "request.time" -> PropertyEncoding.timestamp(Instant.ofEpochMilli(info.startEpochMillis));
        case "request.protocol" -> str(info.protocol);
        case "request.path" -> request == null ? null : str(request.uri());
        case "request.url_path" -> request == null ? null : str(request.uri().replaceFirst("\\?.*$", ""));
        case "request.method" -> request == null ? null : str(request.method().name());
        case "request.host" -> request == null ? null : str(request.headers().get("host"));
        case "request.id" -> request == null ? null : str(request.headers().get("x-request-id"));
        case "request.scheme" -> str(info.downstreamTls ? "https" : "http");
        case "upstream.address" -> str(info.upstreamHost);
        case "cluster_name", "xds.cluster_name" -> str(info.upstreamCluster);
        case "route_name", "xds.route_name" -> str(info.routeName);
        case "source.address" -> address(info.downstreamRemote);
        case "source.port" -> info.downstreamRemote == null ? null : PropertyEncoding.int64(info.downstreamRemote.getPort());
        case "destination.address" -> address(info.downstreamLocal);
        case "destination.port" -> info.downstreamLocal == null ? null : PropertyEncoding.int64(info.downstreamLocal.getPort());
        case "connection.id" -> PropertyEncoding.uint64(info.connectionId);
        default -> {
          if (path.size() == 2 && path.get(0).equals("connection")) {
            yield io.wasmplane.dataplane.tls.ConnectionTls.property(info.downstreamTlsSession, path.get(1));
          }
          if (path.size() == 3 && path.get(0).equals("request") && path.get(1).equals("headers") && request != null) {
            yield str(request.headers().get(path.get(2)));
          }
          if (path.size() == 3 && path.get(0).equals("response") && path.get(1).equals("headers") && response != null) {
            yield str(response.headers().get(path.get(2)));
          }
          yield null;
        }
      };
    }

    /** Envoy's bit set: ResponseFlag is declared in Envoy's bit order (FailedLocalHealthCheck = 0x1, ...). */
    private long flags() {
      long bits = 0;
      for (ResponseFlag f : info.flags) {
        bits |= 1L << f.ordinal();
      }
      return bits;
    }

    private static byte[] str(String s) {
      return s == null ? null : PropertyEncoding.string(s);
    }

    private static byte[] address(InetSocketAddress a) {
      return a == null || a.getAddress() == null ? null : PropertyEncoding.string(Addresses.hostPort(a));
    }
  }
}

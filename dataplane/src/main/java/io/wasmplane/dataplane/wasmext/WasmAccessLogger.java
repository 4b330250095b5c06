package io.wasmplane.dataplane.wasmext;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.wasmplane.dataplane.accesslog.AccessLogger;
import io.wasmplane.dataplane.http.HttpStream;
import io.wasmplane.dataplane.http.StreamInfo;
import io.wasmplane.dataplane.wasm.HeadersView;
import io.wasmplane.dataplane.wasm.PluginHandle;
import io.wasmplane.dataplane.wasm.StreamProperties;
import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.PluginFailureException;
import io.wasmplane.wasm.PropertyEncoding;
import io.wasmplane.wasm.host.ContextHost;
import io.wasmplane.wasm.host.HeaderMap;
import java.time.Duration;
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
        case "request.duration" -> PropertyEncoding.duration(Duration.ofMillis(durationMillis));
        default -> StreamProperties.of(path, info, request, response);
      };
    }
  }
}

package io.wasmplane.dataplane.wasm;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.wasmplane.dataplane.http.FilterCallbacks;
import io.wasmplane.dataplane.http.FilterStatus;
import io.wasmplane.dataplane.http.HttpFilter;
import io.wasmplane.dataplane.http.StreamInfo;
import io.wasmplane.wasm.BufferType;
import io.wasmplane.wasm.FilterDataStatus;
import io.wasmplane.wasm.FilterHeadersStatus;
import io.wasmplane.wasm.FilterTrailersStatus;
import io.wasmplane.wasm.HttpContext;
import io.wasmplane.wasm.MapType;
import io.wasmplane.wasm.PluginFailureException;
import io.wasmplane.wasm.PropertyEncoding;
import io.wasmplane.wasm.Status;
import io.wasmplane.wasm.StreamType;
import io.wasmplane.wasm.host.Buffer;
import io.wasmplane.wasm.host.ContextHost;
import io.wasmplane.wasm.host.HeaderMap;
import io.wasmplane.wasm.host.LocalResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * envoy.filters.http.wasm for one stream: a Proxy-Wasm HTTP context on the worker's VM. Host calls made by the plugin
 * only record actions (local reply, continue); they are carried out after the callback returns, never inside it.
 */
final class WasmHttpFilter implements HttpFilter, ContextHost {
  private static final Logger log = LoggerFactory.getLogger(WasmHttpFilter.class);

  private final FilterCallbacks cb;
  private final PluginHandle plugin;
  private HttpContext context;
  private boolean disabled;
  private LocalResponse pendingReply;
  private boolean replied;
  private boolean inResponse;
  private HeadersView requestView;
  private HeadersView responseView;
  private PluginHandle.Instance worker;
  private io.wasmplane.wasm.WasmVm vm;
  private io.netty.util.concurrent.ScheduledFuture<?> watcher;

  WasmHttpFilter(FilterCallbacks cb, PluginHandle plugin) {
    this.cb = cb;
    this.plugin = plugin;
  }

  private boolean ready() {
    if (disabled || replied) {
      return false;
    }
    if (context == null) {
      PluginHandle.Instance w = plugin.instance(cb.eventLoop());
      worker = w;
      io.wasmplane.wasm.RootContext root = w.root();
      if (root == null) {
        return fail(new IllegalStateException(w.error()));
      }
      vm = w.vm();
      try {
        context = root.newHttpContext(this);
      } catch (PluginFailureException e) {
        return fail(e);
      }
    }
    return true;
  }

  /** Envoy's failure policy: FAIL_OPEN lets the stream through without the plugin, FAIL_CLOSED answers 503. */
  private boolean fail(RuntimeException e) {
    if (e instanceof PluginFailureException p && p.kind() != PluginFailureException.Kind.VM_FAILED) {
      log.warn("event=wasm_failure plugin={} fail_mode={} error={}", plugin.spec().pluginName(), plugin.spec().failMode(), e.toString());
    } else { // the VM failed (or never loaded) before this stream and that was logged once: not a line per request
      log.debug("event=wasm_failure plugin={} fail_mode={} error={}", plugin.spec().pluginName(), plugin.spec().failMode(), e.toString());
    }
    disabled = true;
    cancelWatcher();
    if (e instanceof PluginFailureException && worker != null) {
      worker.noteFailure(); // FAIL_RELOAD's backoff counts from here
    }
    if (!plugin.spec().failOpen()) {
      replied = true;
      cb.sendLocalReply(503, "", null, "wasm_fail_stream");
    }
    return false;
  }

  /**
   * While the plugin holds the stream, the VM can fail in a callback that is not this stream's (an http call
   * response, a tick). Nothing would ever resume the stream then, so check the VM while stopped and apply the
   * failure policy (fail open resumes the held direction).
   */
  private FilterStatus watchIfStopped(FilterStatus s) {
    if (s != FilterStatus.CONTINUE && !replied && watcher == null && vm != null) {
      watcher = cb.eventLoop().scheduleAtFixedRate(() -> {
        if (vm.failState() != io.wasmplane.wasm.FailState.OK && !disabled) {
          boolean response = inResponse;
          fail(new IllegalStateException("vm failed while the stream was stopped: " + vm.failState()));
          if (plugin.spec().failOpen()) {
            if (response) {
              cb.continueEncoding();
            } else {
              cb.continueDecoding();
            }
          }
        }
      }, 50, 50, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    return s;
  }

  private void cancelWatcher() {
    if (watcher != null) {
      watcher.cancel(false);
      watcher = null;
    }
  }

  private FilterStatus afterCallback(FilterStatus status) {
    if (pendingReply != null) {
      LocalResponse r = pendingReply;
      pendingReply = null;
      replied = true;
      HttpHeaders extra = new DefaultHttpHeaders();
      if (r.headers() != null) {
        r.headers().forEach(e -> extra.add(e.getKey(), e.getValue()));
      }
      String body = r.body() == null ? "" : new String(r.body(), StandardCharsets.UTF_8);
      cb.sendLocalReply(r.statusCode(), body, extra, r.details() == null || r.details().isEmpty() ? "wasm_local_reply" : r.details(),
          r.grpcStatus());
      return FilterStatus.STOP_ITERATION;
    }
    return watchIfStopped(status);
  }

  private FilterStatus failed() {
    return disabled && plugin.spec().failOpen() ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION;
  }

  private static FilterStatus headers(FilterHeadersStatus s) {
    return s == FilterHeadersStatus.CONTINUE || s == FilterHeadersStatus.CONTINUE_AND_END_STREAM
        ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION;
  }

  private static FilterStatus data(FilterDataStatus s) {
    return switch (s) {
      case CONTINUE -> FilterStatus.CONTINUE;
      case STOP_ITERATION_NO_BUFFER -> FilterStatus.STOP_ITERATION;
      default -> FilterStatus.STOP_AND_BUFFER;
    };
  }

  private static FilterStatus trailers(FilterTrailersStatus s) {
    return s == FilterTrailersStatus.CONTINUE ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION;
  }

  @Override
  public FilterStatus decodeHeaders(HttpRequest request, boolean end) {
    if (!ready()) {
      return failed();
    }
    try {
      return afterCallback(headers(context.onRequestHeaders(HeadersView.requestCount(request), end)));
    } catch (PluginFailureException e) {
      fail(e);
      return failed();
    }
  }

  @Override
  public FilterStatus decodeData(ByteBuf data, boolean end) {
    if (!ready()) {
      return failed();
    }
    try {
      return afterCallback(data(context.onRequestBody(data.readableBytes(), end)));
    } catch (PluginFailureException e) {
      fail(e);
      return failed();
    }
  }

  @Override
  public FilterStatus decodeTrailers(HttpHeaders t) {
    if (!ready()) {
      return failed();
    }
    try {
      return afterCallback(trailers(context.onRequestTrailers(t.size())));
    } catch (PluginFailureException e) {
      fail(e);
      return failed();
    }
  }

  @Override
  public FilterStatus encodeHeaders(HttpResponse response, boolean end) {
    inResponse = true;
    if (!ready()) {
      return disabled && plugin.spec().failOpen() || replied ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION;
    }
    try {
      return afterCallback(headers(context.onResponseHeaders(response.headers().size() + 1, end)));
    } catch (PluginFailureException e) {
      fail(e);
      return failed();
    }
  }

  @Override
  public FilterStatus encodeData(ByteBuf data, boolean end) {
    if (!ready()) {
      return FilterStatus.CONTINUE;
    }
    try {
      return afterCallback(data(context.onResponseBody(data.readableBytes(), end)));
    } catch (PluginFailureException e) {
      fail(e);
      return failed();
    }
  }

  @Override
  public FilterStatus encodeTrailers(HttpHeaders t) {
    if (!ready()) {
      return FilterStatus.CONTINUE;
    }
    try {
      return afterCallback(trailers(context.onResponseTrailers(t.size())));
    } catch (PluginFailureException e) {
      fail(e);
      return failed();
    }
  }

  @Override
  public void onDestroy() {
    cancelWatcher();
    if (context != null && !context.isClosed()) {
      try {
        context.logAndClose(); // Envoy logs every stream (proxy_on_log between on_done and on_delete)
      } catch (RuntimeException e) {
        log.debug("event=wasm_context_close_failed plugin={} error={}", plugin.spec().pluginName(), e.toString());
      }
    }
    plugin.release(); // the stream's reference: the last one of a swapped-out version tears it down
  }

  // ------------------------------------------------------------------ ContextHost

  @Override
  public HeaderMap headerMap(MapType type) {
    return switch (type) {
      case HTTP_REQUEST_HEADERS -> requestView();
      case HTTP_RESPONSE_HEADERS -> responseView();
      case HTTP_REQUEST_TRAILERS -> cb.requestTrailers() == null ? null : HeadersView.trailers(cb.requestTrailers(), !inResponse, worker.headerNames);
      case HTTP_RESPONSE_TRAILERS -> cb.responseTrailers() == null ? null : HeadersView.trailers(cb.responseTrailers(), true, worker.headerNames);
      default -> null;
    };
  }

  /** The request headers' view, kept while it still shows the same message the same way (one per host call otherwise). */
  private HeadersView requestView() {
    io.netty.handler.codec.http.HttpRequest r = cb.requestHeaders();
    if (r == null) {
      return null;
    }
    if (requestView == null || !requestView.shows(r, !inResponse)) {
      requestView = HeadersView.request(r, cb.streamInfo().downstreamTls, !inResponse, worker.headerNames, cb::clearRouteCache);
    }
    return requestView;
  }

  private HeadersView responseView() {
    io.netty.handler.codec.http.HttpResponse r = cb.responseHeaders();
    if (r == null) {
      return null;
    }
    if (responseView == null || !responseView.shows(r, true)) {
      responseView = HeadersView.response(r, true, worker.headerNames);
    }
    return responseView;
  }

  @Override
  public Buffer buffer(BufferType type) {
    return switch (type) {
      case HTTP_REQUEST_BODY -> new BodyView(cb::decodingBuffer, cb::replaceDecodingData);
      case HTTP_RESPONSE_BODY -> new BodyView(cb::encodingBuffer, cb::replaceEncodingData);
      default -> null;
    };
  }

  @Override
  public Status sendLocalResponse(LocalResponse response) {
    pendingReply = response;
    return Status.OK;
  }

  @Override
  public Status continueStream(StreamType type) {
    // Runs after the current callback returns (host calls must not drive the stream from inside plugin code).
    cancelWatcher();
    switch (type) {
      case HTTP_REQUEST -> cb.eventLoop().execute(cb::continueDecoding);
      case HTTP_RESPONSE -> cb.eventLoop().execute(cb::continueEncoding);
      default -> {
        return Status.BAD_ARGUMENT;
      }
    }
    return Status.OK;
  }

  @Override
  public Status closeStream(StreamType type) {
    cb.eventLoop().execute(cb::resetStream);
    return Status.OK;
  }

  @Override
  public byte[] property(List<String> path) {
    if (path.isEmpty()) {
      return null;
    }
    StreamInfo info = cb.streamInfo();
    HttpRequest req = cb.requestHeaders();
    HttpResponse resp = cb.responseHeaders();
    String key = String.join(".", path);
    return switch (key) {
      case "plugin_name" -> PropertyEncoding.string(plugin.spec().pluginName());
      case "plugin_root_id" -> PropertyEncoding.string(plugin.spec().rootId());
      case "plugin_vm_id" -> PropertyEncoding.string(plugin.spec().vmId());
      case "node.id" -> PropertyEncoding.string(plugin.node().nodeId());
      case "node.cluster" -> PropertyEncoding.string(plugin.node().nodeCluster());
      case "listener_direction" -> PropertyEncoding.int64(0);
      default -> StreamProperties.of(path, info, req, resp);
    };
  }


  static Map.Entry<String, String> pair(String k, String v) {
    return Map.entry(k, v);
  }
}

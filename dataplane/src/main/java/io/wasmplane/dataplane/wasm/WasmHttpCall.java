package io.wasmplane.dataplane.wasm;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import io.wasmplane.dataplane.upstream.ResetReason;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.dataplane.upstream.UpstreamListener;
import io.wasmplane.dataplane.upstream.UpstreamStream;
import io.wasmplane.wasm.Status;
import io.wasmplane.wasm.host.HttpCallRequest;
import io.wasmplane.wasm.host.HttpCallResponse;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** proxy_http_call: a request to a named cluster from the plugin's worker; the response comes back on that worker. */
final class WasmHttpCall implements UpstreamListener {
  private final Consumer<HttpCallResponse> onResponse;
  private final List<Map.Entry<String, String>> headers = new ArrayList<>();
  private final List<Map.Entry<String, String>> trailers = new ArrayList<>();
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private UpstreamStream stream;
  private ScheduledFuture<?> timer;
  private boolean done;

  private WasmHttpCall(Consumer<HttpCallResponse> onResponse) {
    this.onResponse = onResponse;
  }

  /** Validates now (unknown cluster is BAD_ARGUMENT, as Envoy), sends from the event loop after the callback. */
  static Status start(java.util.function.Function<String, UpstreamCluster> clusters, EventLoop loop, HttpCallRequest req, Consumer<HttpCallResponse> onResponse) {
    UpstreamCluster cluster = clusters.apply(req.upstream());
    if (cluster == null) {
      return Status.BAD_ARGUMENT;
    }
    WasmHttpCall call = new WasmHttpCall(onResponse);
    loop.execute(() -> call.send(cluster, loop, req));
    return Status.OK;
  }

  private void send(UpstreamCluster cluster, EventLoop loop, HttpCallRequest req) {
    String method = "GET";
    String path = "/";
    HttpRequest out = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
    for (Map.Entry<String, String> h : req.headers()) {
      switch (h.getKey()) {
        case ":method" -> method = h.getValue();
        case ":path" -> path = h.getValue();
        case ":authority" -> out.headers().set("host", h.getValue());
        default -> {
          if (!h.getKey().startsWith(":")) {
            out.headers().add(h.getKey(), h.getValue());
          }
        }
      }
    }
    out.setMethod(HttpMethod.valueOf(method));
    out.setUri(path);
    byte[] payload = req.body() == null ? new byte[0] : req.body();
    if (payload.length > 0) {
      out.headers().setInt("content-length", payload.length);
    }
    stream = cluster.pool(loop).newStream(this);
    if (stream == null) {
      finish(true);
      return;
    }
    long ms = req.timeout().toMillis();
    if (ms > 0) {
      timer = loop.schedule(() -> {
        if (!done) {
          stream.reset();
          finish(true);
        }
      }, ms, TimeUnit.MILLISECONDS);
    }
    stream.sendHeaders(out, payload.length == 0);
    if (payload.length > 0) {
      stream.sendData(Unpooled.wrappedBuffer(payload), true);
    }
  }

  @Override
  public void onUpstreamHeaders(HttpResponse response, boolean end) {
    headers.add(Map.entry(":status", Integer.toString(response.status().code())));
    response.headers().forEach(e -> headers.add(Map.entry(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue())));
    if (end) {
      finish(false);
    }
  }

  @Override
  public void onUpstreamData(ByteBuf data, boolean end) {
    try {
      data.readBytes(body, data.readableBytes());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    } finally {
      data.release();
    }
    if (end) {
      finish(false);
    }
  }

  @Override
  public void onUpstreamTrailers(HttpHeaders t) {
    t.forEach(e -> trailers.add(Map.entry(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue())));
    finish(false);
  }

  @Override
  public void onUpstreamReset(ResetReason reason, String detail) {
    finish(true);
  }

  private void finish(boolean failed) {
    if (done) {
      return;
    }
    done = true;
    if (timer != null) {
      timer.cancel(false);
    }
    onResponse.accept(failed ? HttpCallResponse.failure() : new HttpCallResponse(headers, body.toByteArray(), trailers, false));
  }
}

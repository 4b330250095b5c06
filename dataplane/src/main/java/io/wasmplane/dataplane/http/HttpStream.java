package io.wasmplane.dataplane.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.wasmplane.dataplane.accesslog.AccessLogger;
import io.wasmplane.dataplane.config.RequestFacts;
import io.wasmplane.dataplane.config.RouteEntry;
import io.wasmplane.dataplane.config.RouteTable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP request/response exchange: owns the per-stream filter instances (from the filter chain snapshot taken at
 * stream start), runs decode and encode iterations, and reports completion to the sink, access logs and stats.
 * Single-threaded: everything runs on the stream's event loop.
 */
public final class HttpStream {
  private static final Logger log = LoggerFactory.getLogger(HttpStream.class);

  private final HcmRuntime runtime;
  private final DownstreamSink sink;
  private final EventLoop loop;
  private final ByteBufAllocator alloc;
  private final StreamInfo info;
  private HttpFilter[] filters;
  private HttpRequest request;
  private HttpHeaders requestTrailers;
  private HttpResponse response;
  private HttpHeaders responseTrailers;
  private FilterIterator decoder;
  private FilterIterator encoder;
  private boolean requestEnded;
  private boolean responseHeadersSent;
  private boolean responseEnded;
  private boolean finished;
  /** The route table this stream routes by, taken when its filters are created (RDS may replace it meanwhile). */
  private RouteTable routeTable;
  /** Envoy's cached route: null until matched, and again after clearRouteCache(). */
  private Optional<RouteEntry> route;
  private RequestFacts routeFacts;
  private int routeMatches;

  public HttpStream(HcmRuntime runtime, DownstreamSink sink, EventLoop loop, ByteBufAllocator alloc, StreamInfo info) {
    this.runtime = runtime;
    this.sink = sink;
    this.loop = loop;
    this.alloc = alloc;
    this.info = info;
  }

  public StreamInfo info() {
    return info;
  }

  /** The worker loop this stream runs on. */
  public EventLoop eventLoop() {
    return loop;
  }

  public HttpRequest request() {
    return request;
  }

  public HttpResponse response() {
    return response;
  }

  public HcmRuntime runtime() {
    return runtime;
  }

  public boolean requestEnded() {
    return requestEnded;
  }

  public boolean responseEnded() {
    return responseEnded;
  }

  public boolean finished() {
    return finished;
  }

  // ------------------------------------------------------------------ the route (Envoy's ActiveStream route cache)

  /** The route table this stream routes by; null before the request headers arrived. */
  public RouteTable routeTable() {
    return routeTable;
  }

  /**
   * The request's route, matched against the request headers as they are now on first use and cached until a filter
   * clears the cache; empty when no route matches.
   */
  public Optional<RouteEntry> route() {
    if (route == null) {
      routeFacts = RequestFacts.of(request);
      route = routeTable == null ? Optional.empty() : routeTable.route(routeFacts);
      routeMatches++;
    }
    return route;
  }

  /** What the cached route was matched on (method, path, headers, scheme). */
  public RequestFacts routeFacts() {
    route();
    return routeFacts;
  }

  /** Request headers that routing reads changed: the next {@link #route()} matches again. */
  public void clearRouteCache() {
    route = null;
    routeFacts = null;
  }

  /** How many times this stream matched its route (a test hook: once, unless a filter cleared the cache). */
  public int routeMatches() {
    return routeMatches;
  }

  // ------------------------------------------------------------------ downstream events

  public void decodeHeaders(HttpRequest req, boolean end) {
    this.request = req;
    this.requestEnded = end;
    if (end) {
      info.requestCompleteNanos = info.startNanos; // the headers were the whole request, and they just began the stream
    }
    // A fragment is refused whatever the options (Envoy's http_reject_path_with_fragment), so it is looked for always.
    if ((runtime.config().pathNormalization().enabled() || req.uri().indexOf('#') >= 0) && !RequestPaths.admit(this, req)) {
      return; // refused or redirected before routing and before any filter saw it
    }
    routeTable = runtime.routes().get();
    List<HttpFilterFactory> factories = runtime.filterFactories();
    filters = new HttpFilter[factories.size()];
    for (int i = 0; i < filters.length; i++) {
      filters[i] = factories.get(i).create(new Handle(i));
      if (filters[i] instanceof StreamAware aware) {
        aware.attach(this);
      }
    }
    decoder = new FilterIterator(new DecodeTarget(), alloc, runtime.config().bufferLimitBytes(), 0);
    guarded(() -> decoder.headers(end));
  }

  /**
   * The connection manager refuses the request before any filter exists (Envoy's upgrade check): a local reply that
   * no filter sees; the rest of the request is discarded.
   */
  public void refuseHeaders(HttpRequest req, boolean end, int status, String details) {
    this.request = req;
    this.requestEnded = end;
    filters = new HttpFilter[0];
    sendLocalReply(0, status, "", null, details);
  }

  public void decodeData(ByteBuf data, boolean end) {
    info.bytesReceived += data.readableBytes();
    if (end) {
      requestEnded = true;
      info.requestCompleteNanos = System.nanoTime();
    }
    if (finished || decoder == null) {
      data.release();
      return;
    }
    guarded(() -> decoder.data(data, end));
  }

  public void decodeTrailers(HttpHeaders trailers) {
    requestEnded = true;
    info.requestCompleteNanos = System.nanoTime();
    this.requestTrailers = trailers;
    if (finished || decoder == null) {
      return;
    }
    guarded(() -> decoder.trailers());
  }

  /** The downstream went away (connection closed or stream reset) before the stream finished. */
  public void downstreamReset() {
    if (finished) {
      return;
    }
    info.setFlag(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION);
    abortAll();
    finish();
  }

  // ------------------------------------------------------------------ from the router (the terminal filter)

  public void encodeHeaders(HttpResponse resp, boolean end) {
    if (finished || encoder != null) {
      return;
    }
    this.response = resp;
    encoder = new FilterIterator(new EncodeTarget(), alloc, runtime.config().bufferLimitBytes(), 0);
    guarded(() -> encoder.headers(end));
  }

  public void encodeData(ByteBuf data, boolean end) {
    if (finished || encoder == null) {
      data.release();
      return;
    }
    guarded(() -> encoder.data(data, end));
  }

  public void encodeTrailers(HttpHeaders trailers) {
    if (finished || encoder == null) {
      return;
    }
    this.responseTrailers = trailers;
    guarded(() -> encoder.trailers());
  }

  /**
   * A local reply from the connection manager or the filter at {@code origin} (filters.length-1 = the router); it runs
   * through the encode side of the filters before the origin.
   */
  public void sendLocalReply(int origin, int status, String body, HttpHeaders extra, String details) {
    sendLocalReply(origin, status, body, extra, details, GrpcLocalReply.NONE);
  }

  /**
   * As above; a gRPC request gets the reply as a trailers-only gRPC response (Envoy's sendLocalReply), with
   * {@code grpcStatus} when not {@link GrpcLocalReply#NONE}, else the HTTP status mapped.
   */
  public void sendLocalReply(int origin, int status, String body, HttpHeaders extra, String details, int grpcStatus) {
    if (finished) {
      return;
    }
    info.responseCodeDetails = details;
    if (responseHeadersSent) {
      // Too late for a new status line: the client already has headers.
      info.setFlag(ResponseFlag.LOCAL_RESET);
      resetStream();
      return;
    }
    if (decoder != null && !requestEnded) {
      decoder.abort();
    }
    boolean head = request != null && "HEAD".equals(request.method().name());
    HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
    if (extra != null) {
      resp.headers().add(extra);
    }
    if (GrpcLocalReply.isGrpc(request)) {
      resp.setStatus(HttpResponseStatus.OK);
      GrpcLocalReply.apply(resp.headers(), status, grpcStatus, head ? null : body);
      body = null; // trailers-only: the body went into grpc-message
    }
    byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    if (bytes.length > 0 && !resp.headers().contains(HttpHeaderNames.CONTENT_TYPE)) {
      resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
    }
    boolean hasBody = bytes.length > 0 && !head;
    if (encoder != null) {
      sendDirectLocalReply(resp, hasBody ? bytes : null);
      return;
    }
    this.response = resp;
    int n = filters == null ? 0 : filters.length;
    int startPos = Math.max(0, n - 1 - Math.min(origin, n - 1));
    encoder = new FilterIterator(new EncodeTarget(), alloc, runtime.config().bufferLimitBytes(), startPos);
    guarded(() -> {
      encoder.headers(!hasBody);
      if (hasBody && !finished) {
        encoder.data(Unpooled.wrappedBuffer(bytes), true);
      }
    });
  }

  /**
   * Envoy's sendDirectLocalReply: a response is going through the encode filters (one of them is replying) but none of
   * it reached the client, so it is dropped, with the upstream request behind it, and the local reply goes straight to
   * the client without the filters.
   */
  private void sendDirectLocalReply(HttpResponse resp, byte[] body) {
    encoder.abort();
    encoder = null;
    if (filters != null && filters.length > 0 && filters[filters.length - 1] instanceof StreamResettable r) {
      r.onStreamReset();
    }
    this.response = resp;
    EncodeTarget direct = new EncodeTarget();
    direct.sinkHeaders(body == null);
    if (body != null && !finished) {
      direct.sinkData(Unpooled.wrappedBuffer(body), true);
    }
  }

  public void sendLocalReplyFromConnectionManager(int status, String body, String details) {
    sendLocalReplyFromConnectionManager(status, body, null, details);
  }

  public void sendLocalReplyFromConnectionManager(int status, String body, HttpHeaders extra, String details) {
    if (filters == null) {
      filters = new HttpFilter[0];
    }
    sendLocalReply(filters.length - 1, status, body, extra, details);
  }

  /** The route's idle_timeout (Envoy applies it when the route is chosen); 0 disables the stream idle timeout. */
  public void setIdleTimeout(java.time.Duration timeout) {
    if (!finished) {
      sink.setStreamIdleTimeout(timeout.toMillis());
    }
  }

  /** Abort both sides now. */
  public void resetStream() {
    if (finished) {
      return;
    }
    abortAll();
    sink.reset();
    finish();
  }

  private void abortAll() {
    if (decoder != null) {
      decoder.abort();
    }
    if (encoder != null) {
      encoder.abort();
    }
    if (filters != null && filters.length > 0 && filters[filters.length - 1] instanceof StreamResettable r) {
      r.onStreamReset();
    }
  }

  /** A terminal filter (the router) that must cancel upstream work when the stream is reset. */
  public interface StreamResettable {
    void onStreamReset();

    /** The client connection's write buffer crossed a watermark; pause or resume reading the upstream. */
    default void onDownstreamWritabilityChanged(boolean writable) {}
  }

  /** Called by the connection manager when the client socket's writability changes. */
  public void downstreamWritabilityChanged(boolean writable) {
    if (!finished && filters != null && filters.length > 0 && filters[filters.length - 1] instanceof StreamResettable r) {
      r.onDownstreamWritabilityChanged(writable);
    }
  }

  /** Called by the router when the upstream socket's writability changes: pause or resume reading the client. */
  public void upstreamWritabilityChanged(boolean writable) {
    if (!finished) {
      sink.setReadingPaused(!writable);
    }
  }

  private void finish() {
    if (finished) {
      return;
    }
    finished = true;
    if (info.lastDownstreamByteSentNanos == 0) {
      info.lastDownstreamByteSentNanos = System.nanoTime();
    }
    if (filters != null) {
      for (HttpFilter f : filters) {
        try {
          f.onDestroy();
        } catch (RuntimeException e) {
          log.warn("event=filter_destroy_failed filter={} error={}", f.getClass().getSimpleName(), e.toString());
        }
      }
    }
    runtime.stats().rqActive.dec();
    runtime.stats().rqCompleted.inc();
    runtime.stats().rqTime.record((info.lastDownstreamByteSentNanos - info.startNanos) / 1_000_000);
    if (info.responseCode > 0) {
      runtime.stats().responseCode(info.responseCode);
    }
    for (AccessLogger l : runtime.accessLoggers()) {
      l.log(this);
    }
    sink.streamFinished(this);
  }

  /** A filter throwing must not leave a stream hanging: answer 500 if possible, else reset. */
  private void guarded(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.warn("event=filter_exception error={}", e.toString(), e);
      if (!finished) {
        if (!responseHeadersSent && encoder == null) {
          sendLocalReplyFromConnectionManager(500, "internal error", "filter_exception");
        } else {
          resetStream();
        }
      }
    }
  }

  public HttpHeaders requestTrailers() {
    return requestTrailers;
  }

  public HttpHeaders responseTrailers() {
    return responseTrailers;
  }

  // ------------------------------------------------------------------ iteration targets

  private final class DecodeTarget implements FilterIterator.Target {
    @Override
    public int size() {
      return filters.length - 1;
    }

    @Override
    public FilterStatus headers(int pos, boolean end) {
      return filters[pos].decodeHeaders(request, end);
    }

    @Override
    public FilterStatus data(int pos, ByteBuf data, boolean end) {
      return filters[pos].decodeData(data, end);
    }

    @Override
    public FilterStatus trailers(int pos) {
      return filters[pos].decodeTrailers(requestTrailers);
    }

    @Override
    public void sinkHeaders(boolean end) {
      filters[filters.length - 1].decodeHeaders(request, end);
    }

    @Override
    public void sinkData(ByteBuf data, boolean end) {
      filters[filters.length - 1].decodeData(data, end);
    }

    @Override
    public void sinkTrailers() {
      filters[filters.length - 1].decodeTrailers(requestTrailers);
    }

    @Override
    public void bufferOverflow() {
      sendLocalReplyFromConnectionManager(413, "Payload Too Large", "request_payload_too_large");
    }
  }

  private final class EncodeTarget implements FilterIterator.Target {
    @Override
    public int size() {
      return filters.length == 0 ? 0 : filters.length - 1;
    }

    private HttpFilter at(int pos) {
      return filters[filters.length - 2 - pos];
    }

    @Override
    public FilterStatus headers(int pos, boolean end) {
      return at(pos).encodeHeaders(response, end);
    }

    @Override
    public FilterStatus data(int pos, ByteBuf data, boolean end) {
      return at(pos).encodeData(data, end);
    }

    @Override
    public FilterStatus trailers(int pos) {
      return at(pos).encodeTrailers(responseTrailers);
    }

    @Override
    public void sinkHeaders(boolean end) {
      responseHeadersSent = true;
      info.responseCode = response.status().code();
      response.headers().set(HttpHeaderNames.SERVER, runtime.config().serverName());
      sink.writeHeaders(response, end);
      if (end) {
        endResponse();
      }
    }

    @Override
    public void sinkData(ByteBuf data, boolean end) {
      info.bytesSent += data.readableBytes();
      sink.writeData(data, end);
      if (end) {
        endResponse();
      }
    }

    @Override
    public void sinkTrailers() {
      sink.writeTrailers(responseTrailers);
      endResponse();
    }

    @Override
    public void bufferOverflow() {
      info.responseCodeDetails = "response_payload_too_large";
      if (!responseHeadersSent) {
        encoder.abort();
        encoder = null;
        responseHeadersSent = false;
        sendLocalReplyFromConnectionManager(500, "Internal Server Error", "response_payload_too_large");
      } else {
        resetStream();
      }
    }
  }

  private void endResponse() {
    responseEnded = true;
    info.lastDownstreamByteSentNanos = System.nanoTime();
    if (!requestEnded && decoder != null) {
      decoder.abort();
    }
    finish();
  }

  // ------------------------------------------------------------------ per-filter callbacks

  private final class Handle implements FilterCallbacks {
    private final int index;

    Handle(int index) {
      this.index = index;
    }

    @Override
    public void continueDecoding() {
      if (!finished && decoder != null) {
        guarded(decoder::resume);
      }
    }

    @Override
    public void continueEncoding() {
      if (!finished && encoder != null) {
        guarded(encoder::resume);
      }
    }

    @Override
    public void sendLocalReply(int status, String body, HttpHeaders extraHeaders, String details, int grpcStatus) {
      HttpStream.this.sendLocalReply(index, status, body, extraHeaders == null ? new DefaultHttpHeaders() : extraHeaders, details,
          grpcStatus);
    }

    @Override
    public Optional<RouteEntry> route() {
      return HttpStream.this.route();
    }

    @Override
    public RouteTable routeTable() {
      return routeTable;
    }

    @Override
    public void clearRouteCache() {
      HttpStream.this.clearRouteCache();
    }

    @Override
    public HcmStats connectionManagerStats() {
      return runtime.stats();
    }

    @Override
    public HttpRequest requestHeaders() {
      return request;
    }

    @Override
    public HttpResponse responseHeaders() {
      return response;
    }

    @Override
    public ByteBuf decodingBuffer() {
      return decoder == null ? Unpooled.EMPTY_BUFFER : decoder.currentData();
    }

    @Override
    public ByteBuf encodingBuffer() {
      return encoder == null ? Unpooled.EMPTY_BUFFER : encoder.currentData();
    }

    @Override
    public void replaceDecodingData(ByteBuf data) {
      if (decoder != null) {
        decoder.replaceCurrent(data);
      }
    }

    @Override
    public void replaceEncodingData(ByteBuf data) {
      if (encoder != null) {
        encoder.replaceCurrent(data);
      }
    }

    @Override
    public HttpHeaders requestTrailers() {
      return requestTrailers;
    }

    @Override
    public HttpHeaders responseTrailers() {
      return responseTrailers;
    }

    @Override
    public StreamInfo streamInfo() {
      return info;
    }

    @Override
    public EventLoop eventLoop() {
      return loop;
    }

    @Override
    public void resetStream() {
      HttpStream.this.resetStream();
    }
  }

  /** The router needs the stream itself to feed the response in. */
  public interface StreamAware {
    void attach(HttpStream stream);
  }
}

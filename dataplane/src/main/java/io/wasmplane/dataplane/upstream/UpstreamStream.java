package io.wasmplane.dataplane.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * One request to an upstream host, as the router sees it. Writes made before a connection is bound are queued; the
 * response is dispatched to the {@link UpstreamListener}. Lives on one event loop.
 */
public final class UpstreamStream {
  private final WorkerPool pool;
  private final UpstreamHost host;
  private final UpstreamListener listener;
  private final ArrayDeque<HttpObject> queued = new ArrayDeque<>();
  private Channel channel;
  private Runnable onComplete;
  private boolean requestSent;
  private boolean responseStarted;
  private boolean done;
  private boolean pending;
  private boolean requestHeadersSeen;
  private java.util.function.Consumer<Channel> takeOver;
  private final long startNanos = System.nanoTime();

  UpstreamStream(WorkerPool pool, UpstreamHost host, UpstreamListener listener) {
    this.pool = pool;
    this.host = host;
    this.listener = listener;
  }

  public UpstreamHost host() {
    return host;
  }

  public boolean done() {
    return done;
  }

  boolean requestSent() {
    return requestSent;
  }

  void setPending(boolean pending) {
    this.pending = pending;
  }

  boolean pending() {
    return pending;
  }

  // -------------------------------------------------------------- router side

  public void sendHeaders(HttpRequest request, boolean end) {
    requestHeadersSeen = true;
    if (end && request instanceof FullHttpRequest full) {
      write(full, true);
    } else if (end) {
      DefaultFullHttpRequest full = new DefaultFullHttpRequest(request.protocolVersion(), request.method(), request.uri());
      full.headers().set(request.headers());
      write(full, true);
    } else {
      write(request, false);
    }
  }

  public void sendData(ByteBuf data, boolean end) {
    write(end ? new DefaultLastHttpContent(data) : new DefaultHttpContent(data), end);
  }

  public void sendTrailers(HttpHeaders trailers) {
    DefaultLastHttpContent last = new DefaultLastHttpContent();
    last.trailingHeaders().set(trailers);
    write(last, true);
  }

  /** Flow control from the downstream side: stop reading the upstream response while the client is slow. */
  public void setReadingPaused(boolean paused) {
    if (channel != null && !done) {
      channel.config().setAutoRead(!paused);
    }
  }

  void writabilityChanged(boolean writable) {
    if (!done) {
      listener.onUpstreamWritabilityChanged(writable);
    }
  }

  /**
   * The router's global or per-try timeout hit this request (it resets it next): the host's rq_timeout, and rq_error
   * unless a response had started.
   */
  public void timedOut() {
    host.stats().rqTimeout.inc();
    if (!responseStarted) {
      host.stats().rqError.inc();
    }
  }

  /** Local reset (timeout, downstream gone): drop the connection's stream without notifying the listener. */
  public void reset() {
    if (done) {
      return;
    }
    done = true;
    releaseQueued();
    pool.streamReset(this, channel);
  }

  private void write(HttpObject obj, boolean end) {
    if (done) {
      ReferenceCountUtil.release(obj);
      return;
    }
    if (end) {
      requestSent = true;
    }
    if (channel == null) {
      queued.add(obj);
      return;
    }
    channel.writeAndFlush(obj, channel.voidPromise());
  }

  /**
   * An accepted upgrade (101): when the response head is complete, the connection is handed to {@code takeOver}
   * instead of going back to the pool.
   */
  public void takeOverOnComplete(java.util.function.Consumer<Channel> takeOver) {
    this.takeOver = takeOver;
  }

  // -------------------------------------------------------------- pool side

  java.util.function.Consumer<Channel> takeOver() {
    return takeOver;
  }

  /** The connection this stream is bound to (an HTTP/2 stream's parent); null until bound. */
  public Channel connection() {
    Channel c = channel;
    return c != null && c.parent() != null ? c.parent() : c;
  }

  /** Bind to a ready channel (an HTTP/1.1 connection or an HTTP/2 stream) and flush what was queued. */
  void bind(Channel ch, Runnable onComplete) {
    this.channel = ch;
    this.onComplete = onComplete;
    if (done) {
      return;
    }
    host.outlier().putConnectSuccess();
    HttpObject o;
    while ((o = queued.poll()) != null) {
      ch.write(o, ch.voidPromise());
    }
    ch.flush();
  }

  /** An inbound response object from the bound channel. */
  void onInbound(HttpObject msg) {
    if (done) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpResponse resp) {
      int code = resp.status().code();
      if (code >= 100 && code < 200 && code != 101) {
        ReferenceCountUtil.release(msg);
        return; // informational responses are not forwarded
      }
      responseStarted = true;
      host.stats().response(code);
      if (msg instanceof FullHttpResponse full) {
        boolean hasTrailers = !full.trailingHeaders().isEmpty();
        boolean hasBody = full.content().isReadable();
        // Complete first: the connection goes back to the pool before the listener can finish (and destroy) its stream.
        complete();
        listener.onUpstreamHeaders(resp, !hasBody && !hasTrailers);
        if (hasBody) {
          listener.onUpstreamData(full.content().retain(), !hasTrailers);
        }
        if (hasTrailers) {
          listener.onUpstreamTrailers(full.trailingHeaders());
        }
        full.release();
        return;
      }
      listener.onUpstreamHeaders(resp, false);
      return;
    }
    if (msg instanceof HttpContent content) {
      if (!responseStarted) {
        content.release();
        return;
      }
      if (msg instanceof LastHttpContent last) {
        complete();
        HttpHeaders trailers = last.trailingHeaders();
        if (trailers.isEmpty()) {
          listener.onUpstreamData(last.content(), true);
        } else {
          if (last.content().isReadable()) {
            listener.onUpstreamData(last.content(), false);
          } else {
            last.release();
          }
          listener.onUpstreamTrailers(trailers);
        }
      } else {
        listener.onUpstreamData(content.content(), false);
      }
    }
  }

  private void complete() {
    if (done) {
      return;
    }
    done = true;
    if (channel != null && !channel.config().isAutoRead()) {
      channel.config().setAutoRead(true);
    }
    Runnable r = onComplete;
    if (r != null) {
      r.run();
    }
    pool.cluster().stats().rqTime.recordMillisSince(startNanos);
    pool.streamDone(this);
  }

  /** The connection or stream failed under us. */
  void fail(ResetReason reason, String detail) {
    if (done) {
      return;
    }
    done = true;
    releaseQueued();
    if (reason != ResetReason.OVERFLOW && !responseStarted) {
      host.stats().rqError.inc(); // the host failed it (connect, reset, protocol) before a response: Envoy's rq_error
    }
    pool.streamDone(this);
    listener.onUpstreamReset(reason, detail);
  }

  boolean responseStarted() {
    return responseStarted;
  }

  private void releaseQueued() {
    HttpObject o;
    while ((o = queued.poll()) != null) {
      ReferenceCountUtil.release(o);
    }
  }
}

package io.wasmplane.dataplane.router;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.ScheduledFuture;
import io.wasmplane.dataplane.config.RouteAction;
import io.wasmplane.dataplane.http.HttpStream;
import io.wasmplane.dataplane.http.LoopTimers;
import io.wasmplane.dataplane.http.ResponseFlag;
import io.wasmplane.dataplane.upstream.ResetReason;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.dataplane.upstream.UpstreamHost;
import io.wasmplane.dataplane.upstream.UpstreamListener;
import io.wasmplane.dataplane.upstream.UpstreamStream;
import io.wasmplane.dataplane.upstream.WorkerPool;
import java.util.ArrayDeque;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstream side of one downstream request as the router drives it: the first attempt and Envoy's retries. While a
 * retry is possible it keeps the request body (up to the connection buffer limit; more abandons retries, Envoy's
 * {@code retry_or_shadow_abandoned}), runs the per-try timeout and the back-off, and decides each attempt's outcome
 * with the {@link RetryState}. The router sees one outcome only: the response it forwards, or the last failure.
 * Nothing is retried once a response was handed on. Single-threaded, on the stream's event loop.
 */
final class RetryingUpstream {
  private static final Logger log = LoggerFactory.getLogger(RetryingUpstream.class);
  static final AsciiString ATTEMPT_COUNT = AsciiString.cached("x-envoy-attempt-count");

  /** Builds the upstream request head for one attempt; {@code end}: no body or trailers follow it. */
  interface RequestHead {
    /** The request head of a try to {@code host}; {@code end}: the request has no body or trailers to follow. */
    HttpRequest build(boolean end, UpstreamHost host);
  }

  private final UpstreamListener router;
  private final HttpStream downstream;
  private final UpstreamCluster cluster;
  private final WorkerPool pool;
  private final RouteAction.Forward route;
  private final RequestHead head;
  private final long perTryMs;
  private final long bufferLimit;
  private RetryState retry;
  private Attempt current;
  private UpstreamHost lastHost;
  private ArrayDeque<ByteBuf> body;
  private long bodyBytes;
  private HttpHeaders trailers;
  private boolean requestEnded;
  private int attempts;
  private ScheduledFuture<?> backOff;
  private boolean committed;
  private boolean finished;
  private boolean readingPausedByAttempt;
  private OptionalLong hash = OptionalLong.empty();

  RetryingUpstream(UpstreamListener router, HttpStream downstream, UpstreamCluster cluster, RetryState retry,
      RouteAction.Forward route, RequestHead head) {
    this.router = router;
    this.downstream = downstream;
    this.cluster = cluster;
    this.pool = cluster.pool(downstream.eventLoop());
    this.retry = retry;
    this.route = route;
    this.head = head;
    this.perTryMs = route.retryPolicy().perTryTimeout().toMillis();
    this.bufferLimit = downstream.runtime().config().bufferLimitBytes();
  }

  /** The request's hash key for a RING_HASH / MAGLEV cluster (a route hash_policy); set before {@link #start}. */
  void hashKey(OptionalLong h) {
    this.hash = h;
  }

  /** Sends the first attempt; false when the cluster has no host (nothing was started). */
  boolean start(boolean endOfRequest) {
    requestEnded = endOfRequest;
    if (!attempt()) {
      finish();
      return false;
    }
    return true;
  }

  /** An accepted upgrade: the current attempt's connection becomes {@code takeOver}'s when its 101 is complete. */
  void takeOverOnComplete(java.util.function.Consumer<io.netty.channel.Channel> takeOver) {
    if (current != null && current.stream != null) {
      current.stream.takeOverOnComplete(takeOver);
    }
  }

  /** The host of the latest attempt. */
  UpstreamHost host() {
    return lastHost;
  }

  /** Headers for a local reply after the tries (Envoy adds the attempt count there too), or null. */
  HttpHeaders localReplyHeaders() {
    if (!route.responseAttemptCount() || attempts == 0) {
      return null;
    }
    return new DefaultHttpHeaders().setInt(ATTEMPT_COUNT, attempts);
  }

  /** True when nothing more will happen upstream: the outcome was handed on and finished, or we gave up. */
  boolean done() {
    return finished || (committed && current.stream.done());
  }

  void sendData(ByteBuf data, boolean end) {
    if (end) {
      requestEnded = true;
    }
    if (retry != null && !committed) {
      if (bodyBytes + data.readableBytes() > bufferLimit) {
        abandonRetries();
        if (current == null) {
          // Waiting to retry and nothing left that could carry this body: Envoy answers 507.
          data.release();
          finish();
          downstream.sendLocalReply(Integer.MAX_VALUE, 507, "exceeded request buffer limit while retrying upstream",
              localReplyHeaders(), "request_payload_exceeded_retry_buffer_limit");
          return;
        }
      } else {
        keep(data);
      }
    }
    if (current != null && !finished) {
      current.stream.sendData(data, end);
      if (end) {
        current.startPerTry();
      }
    } else {
      data.release();
    }
  }

  void sendTrailers(HttpHeaders t) {
    requestEnded = true;
    if (retry != null && !committed) {
      trailers = t;
    }
    if (current != null && !finished) {
      current.stream.sendTrailers(t);
      current.startPerTry();
    }
  }

  void setReadingPaused(boolean paused) {
    if (current != null && !finished) {
      current.stream.setReadingPaused(paused);
    }
  }

  /** The route's timeout hit the current try: its host counts it (rq_timeout). */
  void timedOut() {
    if (current != null && current.stream != null) {
      current.stream.timedOut();
    }
  }

  /** The router gives up (route timeout, downstream reset): stop everything. */
  void reset() {
    if (finished) {
      return;
    }
    finish();
    if (current != null) {
      current.cancelPerTry();
      current.stream.reset();
    }
  }

  // ---------------------------------------------------------------- attempts

  private boolean attempt() {
    UpstreamHost host = retry != null ? retry.chooseHost(hash) : cluster.chooseHost(hash, 0);
    if (host == null) {
      cluster.stats().cxNone.inc();
      return false;
    }
    attempts++;
    lastHost = host;
    downstream.info().upstreamHost = host.addressString();
    if (retry != null) {
      retry.onHostAttempted(host);
    }
    boolean headersOnly = requestEnded && bodyBytes == 0 && trailers == null;
    HttpRequest request = head.build(headersOnly, host);
    if (route.requestAttemptCount()) {
      request.headers().setInt(ATTEMPT_COUNT, attempts);
    }
    Attempt a = new Attempt();
    current = a;
    a.stream = pool.newStream(a, host);
    if (requestEnded) {
      a.startPerTry();
    }
    a.stream.sendHeaders(request, headersOnly);
    // A retry resends what the client sent so far; each write may reset the attempt under us.
    if (body != null) {
      int left = body.size();
      for (ByteBuf b : body) {
        left--;
        if (current != a) {
          return true;
        }
        a.stream.sendData(b.retainedDuplicate(), left == 0 && requestEnded && trailers == null);
      }
    }
    if (trailers != null && current == a) {
      a.stream.sendTrailers(trailers);
    }
    return true;
  }

  private void keep(ByteBuf data) {
    if (!data.isReadable()) {
      return; // an empty end-of-stream chunk: a retry without body goes out as one full request
    }
    if (body == null) {
      body = new ArrayDeque<>(4);
    }
    body.add(data.retainedDuplicate()); // own indices: writing the original upstream consumes its reader index
    bodyBytes += data.readableBytes();
  }

  private void onHeaders(Attempt a, HttpResponse response, boolean end) {
    a.outlier().putHttpResponseCode(response.status().code()); // every try counts, as Envoy feeds outlier detection
    if (retry != null) {
      RetryState.Decision d = retry.onResponse(response);
      if (d == RetryState.Decision.RETRY) {
        cluster.stats().retriedResponseCode(response.status().code());
        abandon(a);
        scheduleRetry();
        return;
      }
      flag(d);
    }
    committed = true;
    downstream.info().upstreamConnection(a.stream.connection());
    a.cancelPerTry(); // Envoy ignores a per-try timeout once the response started
    dropRetries();
    if (route.responseAttemptCount()) {
      response.headers().setInt(ATTEMPT_COUNT, attempts);
    }
    router.onUpstreamHeaders(response, end);
  }

  private void onReset(Attempt a, ResetReason reason, String detail) {
    a.cancelPerTry();
    if (reason != ResetReason.OVERFLOW && a.stream != null) {
      a.outlier().putLocalOriginFailure(); // Envoy: every reset but overflow is a local-origin failure
    }
    if (reason == ResetReason.REMOTE_RESET || reason == ResetReason.CONNECTION_TERMINATION
        || reason == ResetReason.REFUSED_STREAM) {
      cluster.stats().rqRxReset.inc();
    }
    if (retry != null && !committed) {
      RetryState.Decision d = retry.onReset(reason);
      if (d == RetryState.Decision.RETRY) {
        abandon(a);
        scheduleRetry();
        return;
      }
      flag(d);
    }
    finish();
    router.onUpstreamReset(reason, detail);
  }

  private void onPerTryTimeout(Attempt a) {
    a.perTry = null;
    if (a != current || committed || finished) {
      return;
    }
    cluster.stats().rqPerTryTimeout.inc();
    if (a.stream != null) {
      a.outlier().putTimeout();
      a.stream.timedOut();
    }
    abandon(a);
    if (retry != null) {
      RetryState.Decision d = retry.onPerTryTimeout();
      if (d == RetryState.Decision.RETRY) {
        scheduleRetry();
        return;
      }
      flag(d);
    }
    finish();
    downstream.info().setFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
    cluster.stats().responseCode(504);
    downstream.sendLocalReply(Integer.MAX_VALUE, 504, "upstream request timeout", localReplyHeaders(), "upstream_per_try_timeout");
  }

  private void flag(RetryState.Decision d) {
    if (d == RetryState.Decision.LIMIT_EXCEEDED) {
      downstream.info().setFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
    } else if (d == RetryState.Decision.OVERFLOW) {
      downstream.info().setFlag(ResponseFlag.UPSTREAM_OVERFLOW);
    }
  }

  /** Drops an attempt whose outcome is being retried (or timed out); late callbacks from it are ignored. */
  private void abandon(Attempt a) {
    a.cancelPerTry();
    if (!a.stream.done()) {
      a.stream.reset();
    }
    current = null;
    if (readingPausedByAttempt) {
      readingPausedByAttempt = false;
      router.onUpstreamWritabilityChanged(true);
    }
  }

  private void scheduleRetry() {
    backOff = downstream.eventLoop().schedule(this::retryNow, retry.nextBackOffMs(), TimeUnit.MILLISECONDS);
  }

  private void retryNow() {
    backOff = null;
    if (finished || committed || downstream.finished()) {
      return;
    }
    try {
      if (!attempt()) {
        finish();
        downstream.info().setFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
        downstream.sendLocalReply(Integer.MAX_VALUE, 503, "no healthy upstream", null, "no_healthy_upstream");
      }
    } catch (RuntimeException e) {
      log.warn("event=retry_failed cluster={} error={}", cluster.config().name(), e.toString(), e);
      finish();
      downstream.resetStream();
    }
  }

  /** The body grew past the buffer limit: no retry can resend it (Envoy: retry_or_shadow_abandoned). */
  private void abandonRetries() {
    cluster.stats().retryOrShadowAbandoned.inc();
    log.debug("event=retry_abandoned cluster={} reason=request_body_over_buffer_limit limit={}", cluster.config().name(), bufferLimit);
    dropRetries();
  }

  private void dropRetries() {
    if (retry != null) {
      retry.releaseRetrySlot();
      retry = null;
    }
    trailers = null;
    if (body != null) {
      body.forEach(ByteBuf::release);
      body = null;
    }
    bodyBytes = 0;
  }

  private void finish() {
    finished = true;
    if (backOff != null) {
      backOff.cancel(false);
      backOff = null;
    }
    dropRetries();
  }

  /** One try: its upstream stream and per-try timer; callbacks from a try we moved on from are dropped. */
  private final class Attempt implements UpstreamListener {
    UpstreamStream stream;
    LoopTimers.Timeout perTry;

    void startPerTry() {
      if (perTryMs > 0 && perTry == null && !committed) {
        perTry = LoopTimers.of(downstream.eventLoop()).start(perTryMs, () -> onPerTryTimeout(this));
      }
    }

    io.wasmplane.dataplane.upstream.OutlierMonitor outlier() {
      return stream.host().outlier();
    }

    void cancelPerTry() {
      if (perTry != null) {
        perTry.cancel();
        perTry = null;
      }
    }

    @Override
    public void onUpstreamHeaders(HttpResponse response, boolean end) {
      if (this == current && !committed && !finished) {
        onHeaders(this, response, end);
      }
    }

    @Override
    public void onUpstreamData(ByteBuf data, boolean end) {
      if (this != current || !committed) {
        data.release();
        return;
      }
      router.onUpstreamData(data, end);
    }

    @Override
    public void onUpstreamTrailers(HttpHeaders t) {
      if (this == current && committed) {
        router.onUpstreamTrailers(t);
      }
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
      if (this == current) {
        readingPausedByAttempt = !writable;
        router.onUpstreamWritabilityChanged(writable);
      }
    }

    @Override
    public void onUpstreamReset(ResetReason reason, String detail) {
      if (this == current && !finished) {
        onReset(this, reason, detail);
      }
    }
  }
}

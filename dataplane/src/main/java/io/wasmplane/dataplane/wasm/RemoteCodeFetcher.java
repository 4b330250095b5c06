package io.wasmplane.dataplane.wasm;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import io.wasmplane.dataplane.upstream.ResetReason;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.dataplane.upstream.UpstreamListener;
import io.wasmplane.dataplane.upstream.UpstreamStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's RemoteDataFetcher: GET {@code http_uri.uri} through the named cluster (its endpoints, TLS and pools) with
 * {@code http_uri.timeout} per attempt; only a non-empty 200 body whose sha256 matches is accepted. A failed attempt
 * (a mismatch is one) is retried {@code num_retries} times with a jittered exponential backoff. The socket work runs
 * on a worker event loop without blocking it; hashing runs on {@code cpu}.
 */
final class RemoteCodeFetcher {
  private static final Logger log = LoggerFactory.getLogger(RemoteCodeFetcher.class);

  private final Function<String, UpstreamCluster> clusters;
  private final Supplier<EventLoop> loops;
  private final Executor cpu;
  private final long maxBytes;

  /** Called once per failed attempt (for stats and logs). */
  interface AttemptListener {
    void attemptFailed(int attempt, FetchFailure reason, String cause);
  }

  /** One attempt's failure with its reason (the message is the cause a NACK carries). */
  private static final class AttemptFailed extends RuntimeException {
    final FetchFailure reason;

    AttemptFailed(FetchFailure reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }
  }

  RemoteCodeFetcher(Function<String, UpstreamCluster> clusters, Supplier<EventLoop> loops, Executor cpu, long maxBytes) {
    this.clusters = clusters;
    this.loops = loops;
    this.cpu = cpu;
    this.maxBytes = maxBytes;
  }

  /** Completes with verified bytes, or exceptionally with a {@link PluginLoadException} naming the URI and cause. */
  CompletableFuture<byte[]> fetch(CodeSource.Remote src, AttemptListener listener) {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    attempt(src, 0, listener, result);
    return result;
  }

  private void attempt(CodeSource.Remote src, int n, AttemptListener listener, CompletableFuture<byte[]> result) {
    once(src).thenComposeAsync(body -> verify(src, body), cpu).whenComplete((bytes, err) -> {
      if (err == null) {
        result.complete(bytes);
        return;
      }
      Throwable t = unwrap(err);
      String cause = t.getMessage();
      listener.attemptFailed(n + 1, t instanceof AttemptFailed a ? a.reason : FetchFailure.CONNECTION, cause);
      if (n >= src.numRetries()) {
        result.completeExceptionally(new PluginLoadException("wasm code " + src.uri() + ": fetch failed after " + (n + 1)
            + " attempt(s): " + cause));
        return;
      }
      long delay = backoffMillis(src, n);
      log.info("event=wasm_fetch_retry uri={} attempt={} next_in_ms={} cause={}", src.uri(), n + 1, delay, cause);
      loops.get().schedule(() -> attempt(src, n + 1, listener, result), delay, TimeUnit.MILLISECONDS);
    });
  }

  /** Full jitter over an exponential ceiling, as Envoy's JitteredExponentialBackOffStrategy. */
  static long backoffMillis(CodeSource.Remote src, int n) {
    long base = src.baseInterval().toMillis();
    long ceiling = Math.min(src.maxInterval().toMillis(), base << Math.min(n, 20));
    return Math.max(1, ThreadLocalRandom.current().nextLong(Math.max(base, ceiling / 2), ceiling + 1));
  }

  private CompletableFuture<byte[]> verify(CodeSource.Remote src, byte[] body) {
    if (body.length == 0) {
      return CompletableFuture.failedFuture(new AttemptFailed(FetchFailure.EMPTY_BODY, "empty body"));
    }
    String got = Sha256.hex(body);
    if (!got.equals(src.sha256())) {
      return CompletableFuture.failedFuture(new AttemptFailed(FetchFailure.SHA256_MISMATCH, "sha256 mismatch: expected "
          + src.sha256() + ", got " + got + " (" + body.length + " bytes)"));
    }
    return CompletableFuture.completedFuture(body);
  }

  private CompletableFuture<byte[]> once(CodeSource.Remote src) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    UpstreamCluster cluster = clusters.apply(src.cluster());
    if (cluster == null) {
      f.completeExceptionally(new AttemptFailed(FetchFailure.UNKNOWN_CLUSTER, "unknown cluster '" + src.cluster() + "'"));
      return f;
    }
    EventLoop loop = loops.get();
    loop.execute(() -> new Attempt(src, loop, f).start(cluster));
    return f;
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** One GET on one event loop. */
  private final class Attempt implements UpstreamListener {
    private final CodeSource.Remote src;
    private final EventLoop loop;
    private final CompletableFuture<byte[]> result;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private UpstreamStream stream;
    private ScheduledFuture<?> timer;
    private int status;
    private long expected = -1;

    Attempt(CodeSource.Remote src, EventLoop loop, CompletableFuture<byte[]> result) {
      this.src = src;
      this.loop = loop;
      this.result = result;
    }

    void start(UpstreamCluster cluster) {
      URI uri = URI.create(src.uri());
      String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
          + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      var req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
      req.headers().set("host", uri.getRawAuthority());
      req.headers().set("user-agent", "wasmplane-remote-fetcher");
      stream = cluster.pool(loop).newStream(this);
      if (stream == null) {
        fail(FetchFailure.CONNECTION, "cluster '" + src.cluster() + "' has no healthy host");
        return;
      }
      timer = loop.schedule(() -> {
        if (!result.isDone()) {
          stream.reset();
          fail(FetchFailure.TIMEOUT, "timed out after " + src.timeout().toMillis() + " ms (" + body.size() + " bytes received)");
        }
      }, src.timeout().toMillis(), TimeUnit.MILLISECONDS);
      stream.sendHeaders(req, true);
    }

    @Override
    public void onUpstreamHeaders(HttpResponse response, boolean end) {
      status = response.status().code();
      String cl = response.headers().get("content-length");
      try {
        expected = cl == null ? -1 : Long.parseLong(cl.trim());
      } catch (NumberFormatException e) {
        expected = -1;
      }
      if (status != 200) {
        stream.reset();
        fail(FetchFailure.HTTP_STATUS, "HTTP status " + status);
        return;
      }
      if (expected > maxBytes) {
        stream.reset();
        fail(FetchFailure.TOO_LARGE, "module of " + expected + " bytes exceeds the limit of " + maxBytes);
        return;
      }
      if (end) {
        done();
      }
    }

    @Override
    public void onUpstreamData(ByteBuf data, boolean end) {
      try {
        if (result.isDone()) {
          return;
        }
        if (body.size() + data.readableBytes() > maxBytes) {
          stream.reset();
          fail(FetchFailure.TOO_LARGE, "module exceeds the limit of " + maxBytes + " bytes");
          return;
        }
        data.readBytes(body, data.readableBytes());
      } catch (java.io.IOException e) {
        fail(FetchFailure.CONNECTION, e.toString());
      } finally {
        data.release();
      }
      if (end) {
        done();
      }
    }

    @Override
    public void onUpstreamTrailers(HttpHeaders trailers) {
      done();
    }

    @Override
    public void onUpstreamReset(ResetReason reason, String detail) {
      // a connection that closes inside a body with a known length is a truncated body
      fail(expected > 0 && body.size() > 0 ? FetchFailure.TRUNCATED : FetchFailure.CONNECTION, "upstream " + reason
          + (detail == null ? "" : " (" + detail + ")") + " after " + body.size() + " bytes" + (expected >= 0 ? " of " + expected : ""));
    }

    private void done() {
      if (expected >= 0 && body.size() != expected) {
        fail(FetchFailure.TRUNCATED, "truncated body: " + body.size() + " of " + expected + " bytes");
        return;
      }
      cancelTimer();
      result.complete(body.toByteArray());
    }

    private void fail(FetchFailure reason, String cause) {
      cancelTimer();
      result.completeExceptionally(new AttemptFailed(reason, cause));
    }

    private void cancelTimer() {
      if (timer != null) {
        timer.cancel(false);
      }
    }
  }
}

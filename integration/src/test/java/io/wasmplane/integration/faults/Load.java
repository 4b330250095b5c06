package io.wasmplane.integration.faults;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Steady closed-loop HTTP load from the JDK HttpClient: {@code workers} threads per target, each sending GETs one
 * after another (paced to at most {@code rpsPerWorker}), over HTTP/1.1 or h2c. It counts what was sent and what came
 * back: responses by status, failures that are not responses (refused connections apart), and latencies per window.
 */
public final class Load implements AutoCloseable {
  /** One kind of traffic: where, which protocol, how many workers, and which responses count as good. */
  public record Target(String name, URI uri, HttpClient.Version version, int workers, Predicate<HttpResponse<String>> good) {}

  private final ExecutorService pool;
  private final List<Target> targets;
  private final long pauseNanos;
  private volatile boolean running = true;
  public final AtomicLong sent = new AtomicLong();
  public final AtomicLong good = new AtomicLong();
  public final AtomicLong bad = new AtomicLong();
  public final AtomicLong refused = new AtomicLong();
  public final AtomicLong errors = new AtomicLong();
  /**
   * Of the errors: a reused keep-alive connection closed before any byte of the response (the HTTP/1.1 close race of
   * RFC 9112 9.3.1, which clients answer by retrying an idempotent request).
   */
  public final AtomicLong closedBeforeResponse = new AtomicLong();
  public final Map<Integer, AtomicLong> byStatus = new ConcurrentHashMap<>();
  private final List<String> firstFailures = new CopyOnWriteArrayList<>();
  private final Object windowLock = new Object();
  private long[] window = new long[1024];
  private int windowSize;

  public Load(List<Target> targets, int rpsPerWorker) {
    this.targets = targets;
    this.pauseNanos = rpsPerWorker <= 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / rpsPerWorker;
    int n = targets.stream().mapToInt(Target::workers).sum();
    pool = Executors.newFixedThreadPool(n, r -> {
      Thread t = new Thread(r, "load");
      t.setDaemon(true);
      return t;
    });
    for (Target t : targets) {
      HttpClient client = HttpClient.newBuilder().version(t.version()).connectTimeout(Duration.ofSeconds(2)).build();
      for (int i = 0; i < t.workers(); i++) {
        pool.execute(() -> run(t, client));
      }
    }
  }

  private void run(Target t, HttpClient client) {
    HttpRequest req = HttpRequest.newBuilder(t.uri()).timeout(Duration.ofSeconds(10)).build();
    while (running) {
      long start = System.nanoTime();
      sent.incrementAndGet();
      try {
        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
        byStatus.computeIfAbsent(r.statusCode(), k -> new AtomicLong()).incrementAndGet();
        if (t.good().test(r)) {
          good.incrementAndGet();
        } else {
          bad.incrementAndGet();
          note(t.name() + ": " + r.statusCode() + " " + r.headers().map() + " " + r.body());
        }
        record(System.nanoTime() - start);
      } catch (ConnectException e) {
        refused.incrementAndGet();
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        errors.incrementAndGet();
        if (String.valueOf(e.getMessage()).contains("received no bytes")) {
          closedBeforeResponse.incrementAndGet();
        }
        note(t.name() + ": " + e);
      }
      long rest = pauseNanos - (System.nanoTime() - start);
      if (rest > 0) {
        try {
          TimeUnit.NANOSECONDS.sleep(rest);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private void note(String failure) {
    if (firstFailures.size() < 20) {
      firstFailures.add(failure);
    }
  }

  private void record(long nanos) {
    synchronized (windowLock) {
      if (windowSize == window.length) {
        window = Arrays.copyOf(window, window.length * 2);
      }
      window[windowSize++] = nanos;
    }
  }

  /** The p99 latency (ms) of the responses since the last call, and starts a new window. */
  public double takeP99Millis() {
    long[] w;
    synchronized (windowLock) {
      w = Arrays.copyOf(window, windowSize);
      windowSize = 0;
    }
    if (w.length == 0) {
      return 0;
    }
    Arrays.sort(w);
    return w[Math.min(w.length - 1, (int) Math.ceil(w.length * 0.99) - 1)] / 1e6;
  }

  public List<String> firstFailures() {
    return new ArrayList<>(firstFailures);
  }

  public long completed() {
    return good.get() + bad.get() + refused.get() + errors.get();
  }

  /** Stops sending and waits for requests in flight (bounded). */
  @Override
  public void close() throws InterruptedException {
    running = false;
    pool.shutdown();
    if (!pool.awaitTermination(15, TimeUnit.SECONDS)) {
      pool.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "sent=" + sent + " good=" + good + " bad=" + bad + " refused=" + refused + " errors=" + errors
        + " (closed before a response: " + closedBeforeResponse + ") byStatus=" + byStatus + " firstFailures=" + firstFailures;
  }
}

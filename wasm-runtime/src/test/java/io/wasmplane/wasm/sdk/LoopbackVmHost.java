package io.wasmplane.wasm.sdk;

import io.wasmplane.wasm.LogLevel;
import io.wasmplane.wasm.Status;
import io.wasmplane.wasm.host.HttpCallRequest;
import io.wasmplane.wasm.host.HttpCallResponse;
import io.wasmplane.wasm.host.VmHost;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A VM's outside world for tests: its own thread (a real single-threaded scheduler, as a worker event loop), the
 * plugin's log lines, and http calls to named upstreams that are real loopback HTTP servers, made with the JDK's
 * HttpClient and delivered back through the runtime's callback.
 */
public final class LoopbackVmHost implements VmHost, AutoCloseable {
  /** Request headers the JDK client sets itself and refuses from callers. */
  private static final Set<String> CLIENT_OWNED = Set.of("host", "connection", "content-length", "expect", "upgrade");

  public record LogLine(String plugin, LogLevel level, String message) {}

  private final ScheduledExecutorService executor;
  private final Map<String, URI> upstreams = new HashMap<>();
  private final HttpClient client;
  private final LogLevel level;
  public final List<LogLine> logs = new CopyOnWriteArrayList<>();

  public LoopbackVmHost(LogLevel level) {
    this.level = level;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "test-vm");
      t.setDaemon(true);
      return t;
    });
    this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  }

  /** Makes {@code name} an upstream reachable at {@code base} (e.g. http://127.0.0.1:port). */
  public LoopbackVmHost upstream(String name, URI base) {
    upstreams.put(name, base);
    return this;
  }

  /** Runs {@code work} on the VM's thread and waits for it (bounded), rethrowing what it threw. */
  public <T> T onVm(Callable<T> work) throws Exception {
    try {
      return executor.submit(work).get(20, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  /** Waits (bounded) for a condition the VM thread makes true after an asynchronous callback. */
  public void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s; plugin log: " + logs);
      }
      Thread.sleep(5);
    }
  }

  public List<String> messages(LogLevel at) {
    List<String> out = new ArrayList<>();
    for (LogLine line : logs) {
      if (line.level() == at) {
        out.add(line.message());
      }
    }
    return out;
  }

  @Override
  public ScheduledExecutorService executor() {
    return executor;
  }

  @Override
  public Status httpCall(HttpCallRequest request, Consumer<HttpCallResponse> onResponse) {
    URI base = upstreams.get(request.upstream());
    if (base == null) {
      return Status.BAD_ARGUMENT;
    }
    String method = null;
    String path = null;
    HttpRequest.Builder builder = HttpRequest.newBuilder();
    for (Map.Entry<String, String> h : request.headers()) {
      String key = h.getKey().toLowerCase(Locale.ROOT);
      switch (key) {
        case ":method" -> method = h.getValue();
        case ":path" -> path = h.getValue();
        default -> {
          if (!key.startsWith(":") && !CLIENT_OWNED.contains(key)) {
            builder.header(h.getKey(), h.getValue());
          }
        }
      }
    }
    if (method == null || path == null) {
      return Status.BAD_ARGUMENT;
    }
    byte[] body = request.body() == null ? new byte[0] : request.body();
    builder.uri(base.resolve(path)).method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    if (request.timeout() != null && !request.timeout().isZero()) {
      builder.timeout(request.timeout());
    }
    client.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofByteArray()).whenComplete((response, error) -> {
      if (error != null) {
        onResponse.accept(HttpCallResponse.failure());
        return;
      }
      List<Map.Entry<String, String>> headers = new ArrayList<>();
      headers.add(Map.entry(":status", Integer.toString(response.statusCode())));
      response.headers().map().forEach((name, values) -> {
        if (!name.startsWith(":")) {
          values.forEach(v -> headers.add(Map.entry(name.toLowerCase(Locale.ROOT), v)));
        }
      });
      onResponse.accept(new HttpCallResponse(headers, response.body(), List.of(), false));
    });
    return Status.OK;
  }

  @Override
  public void log(String pluginName, LogLevel at, String message) {
    logs.add(new LogLine(pluginName, at, message));
  }

  @Override
  public LogLevel logLevel() {
    return level;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}

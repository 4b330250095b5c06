package io.wasmplane.dataplane.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 upstream on loopback (JDK HttpServer). It answers every request with what it received: the body is
 * "METHOD URI" then one "name: value" line per request header (lower-case), then the request body. Paths:
 * /slow/{ms} waits before answering, /status/{code} answers with that status. /healthz answers {@link #healthStatus}
 * (after {@link #healthDelayMillis}, with {@link #healthHeaders}; for health checks, not counted in {@link #requests}),
 * counted in {@link #healthChecks} once answered; a non-zero {@link #forceStatus} is the status of every other
 * answer.
 */
public final class TestUpstream implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(8);
  private final String name;
  public final AtomicInteger requests = new AtomicInteger();
  public final AtomicInteger healthStatus = new AtomicInteger(200);
  public final AtomicInteger healthChecks = new AtomicInteger();
  /** Extra headers of /healthz answers (e.g. x-envoy-degraded). */
  public final Map<String, String> healthHeaders = new java.util.concurrent.ConcurrentHashMap<>();
  /** How long /healthz waits before answering. */
  public final java.util.concurrent.atomic.AtomicLong healthDelayMillis = new java.util.concurrent.atomic.AtomicLong();
  public final AtomicInteger forceStatus = new AtomicInteger();
  /** How long every answer but /healthz waits (counted in {@link #requests} from its start), e.g. to keep requests active. */
  public final java.util.concurrent.atomic.AtomicLong delayMillis = new java.util.concurrent.atomic.AtomicLong();
  /** The headers of the last /healthz request (lower-case names, first values). */
  public volatile Map<String, String> lastHealthCheckHeaders = Map.of();
  /** What each request (but /check) was answered with: the echo of its request line, headers and body. */
  public final java.util.concurrent.ConcurrentLinkedQueue<String> received = new java.util.concurrent.ConcurrentLinkedQueue<>();

  public TestUpstream(String name) throws IOException {
    this.name = name;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    if (path.equals("/healthz")) {
      Map<String, String> h = new TreeMap<>();
      ex.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(), v.get(0)));
      lastHealthCheckHeaders = h;
      long delay = healthDelayMillis.get();
      if (delay > 0) {
        try {
          Thread.sleep(delay);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      healthChecks.incrementAndGet();
      ex.getResponseHeaders().set("x-upstream-name", name);
      healthHeaders.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      ex.sendResponseHeaders(healthStatus.get(), -1);
      ex.close();
      return;
    }
    requests.incrementAndGet();
    byte[] reqBody = ex.getRequestBody().readAllBytes();
    int status = 200;
    if (delayMillis.get() > 0) {
      try {
        Thread.sleep(delayMillis.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (path.startsWith("/slow/")) {
      try {
        Thread.sleep(Long.parseLong(path.substring(6).replaceAll("/.*", "")));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else if (path.startsWith("/status/")) {
      status = Integer.parseInt(path.substring(8));
    }
    if (forceStatus.get() != 0) {
      status = forceStatus.get();
    }
    if (path.equals("/check")) {
      // A one-line answer (usable as a header value) for plugins' http calls.
      byte[] b = ("allowed " + ex.getRequestURI().getQuery()).getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("x-upstream-name", name);
      ex.sendResponseHeaders(200, b.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(b);
      }
      return;
    }
    StringBuilder sb = new StringBuilder();
    sb.append(ex.getRequestMethod()).append(' ').append(ex.getRequestURI()).append('\n');
    Map<String, List<String>> sorted = new TreeMap<>();
    ex.getRequestHeaders().forEach((k, v) -> sorted.put(k.toLowerCase(), v));
    sorted.forEach((k, v) -> v.forEach(val -> sb.append(k).append(": ").append(val).append('\n')));
    sb.append('\n');
    byte[] head = sb.toString().getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[head.length + reqBody.length];
    System.arraycopy(head, 0, body, 0, head.length);
    System.arraycopy(reqBody, 0, body, head.length, reqBody.length);
    received.add(new String(body, StandardCharsets.UTF_8));
    ex.getResponseHeaders().set("x-upstream-name", name);
    ex.getResponseHeaders().set("x-request-body-bytes", Integer.toString(reqBody.length));
    if (ex.getRequestMethod().equals("HEAD") || status == 204 || status == 304) {
      ex.sendResponseHeaders(status, -1); // no body allowed
      ex.close();
      return;
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

package io.wasmplane.controlplane;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;

/**
 * The demo's upstream: answers every request with a JSON echo of what reached it (method, path, headers, body
 * size), so a plugin's effect on the request is visible in the response body.
 */
public final class DemoUpstream implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;

  private DemoUpstream(HttpServer server) {
    this.server = server;
  }

  /** Starts on {@code host:port} (port 0 picks a free one). */
  public static DemoUpstream start(String host, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 128);
    server.createContext("/", DemoUpstream::echo);
    server.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "demo-upstream");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return new DemoUpstream(server);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void echo(HttpExchange exchange) throws IOException {
    long bodySize;
    try (InputStream in = exchange.getRequestBody()) {
      bodySize = in.transferTo(OutputStreamSink.INSTANCE);
    }
    ObjectNode reply = JSON.createObjectNode();
    reply.put("method", exchange.getRequestMethod());
    reply.put("path", exchange.getRequestURI().toString());
    ObjectNode headers = reply.putObject("headers");
    Map<String, List<String>> sorted = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    sorted.putAll(exchange.getRequestHeaders());
    sorted.forEach((name, values) -> headers.put(name.toLowerCase(), String.join(",", values)));
    reply.put("body_bytes", bodySize);
    byte[] body = (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(reply) + "\n")
        .getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("content-type", "application/json");
    exchange.sendResponseHeaders(200, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** Discards what it is given; counts come from transferTo. */
  private static final class OutputStreamSink extends java.io.OutputStream {
    static final OutputStreamSink INSTANCE = new OutputStreamSink();

    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {}
  }
}

package io.wasmplane.wasm.sdk;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real loopback HTTP service for the plugins' http calls: {@code GET /check?user=alice} answers 200 "ok:alice",
 * any other user 403 "no". It records the request lines it served.
 */
public final class AuthServer implements AutoCloseable {
  private final HttpServer server;
  public final List<String> served = new CopyOnWriteArrayList<>();

  public AuthServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/check", exchange -> {
      String query = exchange.getRequestURI().getRawQuery();
      served.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
      boolean alice = "user=alice".equals(query);
      byte[] body = (alice ? "ok:alice" : "no").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("x-auth-server", "loopback");
      exchange.sendResponseHeaders(alice ? 200 : 403, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

package io.wasmplane.integration;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A real upstream on loopback that answers "upstream saw METHOD URI" and can be slow (/slow/{ms}). */
public final class EchoUpstream implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);

  public EchoUpstream() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(executor);
    server.createContext("/", ex -> {
      String path = ex.getRequestURI().getPath();
      if (path.startsWith("/slow/")) {
        try {
          Thread.sleep(Long.parseLong(path.substring(6)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      ex.getRequestBody().readAllBytes();
      byte[] body = ("upstream saw " + ex.getRequestMethod() + " " + ex.getRequestURI()).getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(body);
      }
    });
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

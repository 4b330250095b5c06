package io.wasmplane.dataplane.wasm;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A module file server on loopback (JDK HttpServer): /good serves the module, /missing 404, /slow answers after 3 s,
 * /truncated promises more bytes than it sends, /notwasm serves text. Counts requests per path. Bytes added with
 * {@link #put} are served at their path, slowly or truncated when the path starts with /slow or /truncated.
 */
public final class ModuleServer implements AutoCloseable {
  private final HttpServer server;
  final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final Map<String, byte[]> extra = new ConcurrentHashMap<>();

  /** Serves {@code bytes} at {@code path} from now on. */
  public void put(String path, byte[] bytes) {
    extra.put(path, bytes);
  }

  public ModuleServer(byte[] module) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", ex -> {
      String path = ex.getRequestURI().getPath();
      hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      try (ex) {
        byte[] added = extra.get(path);
        byte[] body = added != null ? added : module;
        if (path.startsWith("/slow")) {
          sleep(3000);
          send(ex, 200, body);
          return;
        }
        if (path.startsWith("/truncated")) {
          ex.sendResponseHeaders(200, body.length);
          OutputStream os = ex.getResponseBody();
          os.write(body, 0, body.length / 2);
          os.flush();
          throw new IOException("truncating on purpose"); // the exchange is closed with the body short
        }
        if (added != null) {
          send(ex, 200, added);
          return;
        }
        switch (path) {
          case "/good.wasm" -> send(ex, 200, module);
          case "/notwasm.wasm" -> send(ex, 200, "<html>not a module</html>".getBytes());
          default -> send(ex, 404, "no such module".getBytes());
        }
      } catch (IOException e) {
        // the truncated case ends here; the client sees a short body
      }
    });
    server.start();
  }

  private static void send(com.sun.net.httpserver.HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public int hits(String path) {
    AtomicInteger n = hits.get(path);
    return n == null ? 0 : n.get();
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

package io.wasmplane.controlplane.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.wasmplane.controlplane.config.ModuleStore;
import io.wasmplane.controlplane.tls.ServerTls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugin file server: {@code GET /modules/<sha256>.wasm} serves module bytes by content hash (404 for an
 * unknown hash), {@code GET /status} the control plane's status as JSON, and {@code GET /nodes/<id>/resources}
 * what the current config gives a node that has connected, as Envoy JSON.
 */
public final class FileServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FileServer.class);
  private static final Pattern MODULE_PATH = Pattern.compile("/modules/([0-9a-f]{64})\\.wasm");
  private static final Pattern NODE_PATH = Pattern.compile("/nodes/([^/]+)/resources");
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final HttpServer server;
  private final ExecutorService executor;

  private FileServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** What a node id's resources are as JSON, or empty when the node never connected. */
  public interface NodeResources {
    Optional<Object> forNode(String nodeId) throws IOException;
  }

  public static FileServer start(ModuleStore modules, Supplier<Object> status, NodeResources resources,
      String host, int port) throws IOException {
    return start(modules, status, resources, host, port, Optional.empty());
  }

  /** With {@code tls}: HTTPS (server authentication) with the stub's certificate. */
  public static FileServer start(ModuleStore modules, Supplier<Object> status, NodeResources resources,
      String host, int port, Optional<ServerTls> tls) throws IOException {
    HttpServer s;
    if (tls.isPresent()) {
      HttpsServer https = HttpsServer.create(new InetSocketAddress(host, port), 64);
      https.setHttpsConfigurator(new HttpsConfigurator(tls.get().jdkContext()));
      s = https;
    } else {
      s = HttpServer.create(new InetSocketAddress(host, port), 64);
    }
    s.createContext("/modules/", ex -> handleModule(ex, modules));
    s.createContext("/status", ex -> handleStatus(ex, status));
    s.createContext("/nodes/", ex -> handleNode(ex, resources));
    s.createContext("/", ex -> respond(ex, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8)));
    ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "file-server");
      t.setDaemon(true);
      return t;
    });
    s.setExecutor(executor);
    s.start();
    return new FileServer(s, executor);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void handleModule(HttpExchange ex, ModuleStore modules) throws IOException {
    if (!"GET".equals(ex.getRequestMethod())) {
      respond(ex, 405, "text/plain", "GET only\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    Matcher m = MODULE_PATH.matcher(ex.getRequestURI().getPath());
    Optional<byte[]> bytes = m.matches() ? modules.get(m.group(1)) : Optional.empty();
    if (bytes.isEmpty()) {
      log.info("module not found: {}", ex.getRequestURI().getPath());
      respond(ex, 404, "text/plain", "unknown module\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    log.debug("serving module {} ({} bytes) to {}", m.group(1), bytes.get().length, ex.getRemoteAddress());
    respond(ex, 200, "application/wasm", bytes.get());
  }

  private static void handleNode(HttpExchange ex, NodeResources resources) throws IOException {
    Matcher m = NODE_PATH.matcher(ex.getRequestURI().getPath());
    Optional<Object> body = m.matches() ? resources.forNode(m.group(1)) : Optional.empty();
    if (body.isEmpty()) {
      respond(ex, 404, "text/plain", "unknown node (it must have connected once)\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    respond(ex, 200, "application/json", JSON.writeValueAsBytes(body.get()));
  }

  private static void handleStatus(HttpExchange ex, Supplier<Object> status) throws IOException {
    byte[] body = JSON.writeValueAsBytes(status.get());
    respond(ex, 200, "application/json", body);
  }

  private static void respond(HttpExchange ex, int code, String contentType, byte[] body) throws IOException {
    try (ex) {
      ex.getRequestBody().readAllBytes();
      ex.getResponseHeaders().set("Content-Type", contentType);
      ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        try (OutputStream os = ex.getResponseBody()) {
          os.write(body);
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

package io.wasmplane.integration.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Wasm module server on loopback ({@code GET /modules/<sha256>.wasm}, as the control-plane-stub serves them) that
 * can misbehave per module: slow, truncated, the wrong bytes, 404. Modules are registered by content; {@link
 * #variant} makes a distinct, still valid module out of a built one (a custom section), so a rollout can move to new
 * code that the data plane has to fetch.
 */
public final class FaultyModuleServer implements AutoCloseable {
  /** How a module is served. */
  public enum Mode { OK, SLOW, TRUNCATED, WRONG_BYTES, NOT_FOUND }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final Map<String, byte[]> modules = new ConcurrentHashMap<>();
  private final Map<String, Mode> modes = new ConcurrentHashMap<>();
  private final AtomicLong fetches = new AtomicLong();
  private volatile long slowMillis = 3000;

  public FaultyModuleServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(executor);
    server.createContext("/modules/", this::serve);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public long fetches() {
    return fetches.get();
  }

  /** Serves {@code bytes} and returns their sha256. */
  public String add(byte[] bytes) {
    String sha = sha256(bytes);
    modules.put(sha, bytes);
    return sha;
  }

  public void mode(String sha, Mode mode) {
    modes.put(sha, mode);
  }

  public void slowMillis(long ms) {
    slowMillis = ms;
  }

  /** {@code original} with a custom section naming {@code label} appended: valid, same behaviour, new sha256. */
  public static byte[] variant(byte[] original, String label) {
    byte[] name = "wasmplane.variant".getBytes(StandardCharsets.UTF_8);
    byte[] payload = label.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream section = new ByteArrayOutputStream();
    writeLeb(section, name.length);
    section.writeBytes(name);
    section.writeBytes(payload);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(original);
    out.write(0); // custom section id
    writeLeb(out, section.size());
    out.writeBytes(section.toByteArray());
    return out.toByteArray();
  }

  public static byte[] read(Path module) throws IOException {
    return Files.readAllBytes(module);
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void writeLeb(ByteArrayOutputStream out, int value) {
    do {
      int b = value & 0x7f;
      value >>>= 7;
      out.write(value != 0 ? b | 0x80 : b);
    } while (value != 0);
  }

  private void serve(HttpExchange ex) throws IOException {
    try (ex) {
      fetches.incrementAndGet();
      String file = ex.getRequestURI().getPath().substring("/modules/".length());
      String sha = file.endsWith(".wasm") ? file.substring(0, file.length() - 5) : file;
      byte[] bytes = modules.get(sha);
      Mode mode = modes.getOrDefault(sha, Mode.OK);
      if (bytes == null || mode == Mode.NOT_FOUND) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      switch (mode) {
        case SLOW -> sleep(slowMillis);
        case WRONG_BYTES -> bytes = variant(bytes, "not the module you pinned");
        default -> { }
      }
      ex.sendResponseHeaders(200, bytes.length);
      OutputStream body = ex.getResponseBody();
      if (mode == Mode.TRUNCATED) {
        body.write(bytes, 0, bytes.length / 2);
        body.flush();
        return; // closing short of Content-Length drops the connection: the client sees a cut body
      }
      body.write(bytes);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

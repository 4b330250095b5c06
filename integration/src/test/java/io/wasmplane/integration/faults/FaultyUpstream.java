package io.wasmplane.integration.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/1.1 upstream on loopback, on plain sockets so it can misbehave the way real servers do. The request path
 * picks the behaviour: {@code /reset} (read the request, then RST), {@code /close} (read the request, then FIN),
 * {@code /stall} (read the request, never answer), {@code /stall-body} (headers and half the body, then nothing),
 * {@code /garbage} (bytes that are not HTTP), {@code /slow/<ms>} (answers 200 after a while); anything else answers 200 {@code "upstream saw GET /path"} and keeps
 * the connection alive. It counts the connections it holds open, the upstream side of a leak.
 */
public final class FaultyUpstream implements AutoCloseable {
  private final ServerSocket server;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "faulty-upstream");
    t.setDaemon(true);
    return t;
  });
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong slowRequests = new AtomicLong();

  public FaultyUpstream() throws IOException {
    server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
    pool.execute(this::acceptLoop);
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Connections from the proxy this upstream still holds open. */
  public int openConnections() {
    open.removeIf(Socket::isClosed);
    return open.size();
  }

  public long requests() {
    return requests.get();
  }

  /** {@code /slow/} requests received so far. */
  public long slowRequests() {
    return slowRequests.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        open.add(s);
        pool.execute(() -> serve(s));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      while (true) {
        String head = readHead(in);
        if (head == null) {
          return;
        }
        requests.incrementAndGet();
        String[] line = head.substring(0, head.indexOf('\r')).split(" ");
        String path = line[1];
        skipBody(in, head);
        if (path.startsWith("/reset")) {
          s.setSoLinger(true, 0);
          return;
        } else if (path.startsWith("/close")) {
          return;
        } else if (path.startsWith("/stall-body")) {
          out.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nhalf of it".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          in.read(); // until the proxy gives up and closes
          return;
        } else if (path.startsWith("/stall")) {
          in.read();
          return;
        } else if (path.startsWith("/garbage")) {
          out.write("SSH-2.0-OpenSSH_9.2 not http at all\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          in.read();
          return;
        }
        if (path.startsWith("/slow/")) {
          slowRequests.incrementAndGet();
          sleep(Long.parseLong(path.substring(6)));
        }
        byte[] body = ("upstream saw " + line[0] + " " + path).getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: " + body.length + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
      }
    } catch (IOException e) {
      // the proxy went away: nothing to do
    } finally {
      open.remove(s);
    }
  }

  private static void sleep(long ms) throws IOException {
    try {
      Thread.sleep(Math.min(ms, 30_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SocketException("interrupted");
    }
  }

  /** The request line and headers up to the blank line, or null at end of stream. */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      sb.append((char) c);
      if (sb.length() >= 4 && sb.lastIndexOf("\r\n\r\n") == sb.length() - 4) {
        return sb.toString();
      }
      if (sb.length() > 65536) {
        throw new SocketException("request head too large");
      }
    }
    return null;
  }

  private static void skipBody(InputStream in, String head) throws IOException {
    for (String h : head.split("\r\n")) {
      int colon = h.indexOf(':');
      if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
        in.readNBytes(Integer.parseInt(h.substring(colon + 1).trim()));
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

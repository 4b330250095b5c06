package io.wasmplane.integration.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay on loopback in front of a server, for making that server unreachable: {@link #blackhole} holds every
 * byte in both directions (established connections go silent, new ones connect and hear nothing, as with dropped
 * packets) until {@link #restore}; {@link #refuse} resets every connection and closes the port until {@link
 * #restore} opens it again on the same number.
 */
public final class TcpFaultProxy implements AutoCloseable {
  private final int targetPort;
  private final int port;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "tcp-fault-proxy");
    t.setDaemon(true);
    return t;
  });
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Object gate = new Object();
  private volatile boolean holding;
  private volatile boolean closed;
  private volatile ServerSocket server;

  public TcpFaultProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = bind(0);
    this.port = server.getLocalPort();
    startAccepting(server);
  }

  public int port() {
    return port;
  }

  public void blackhole() {
    holding = true;
  }

  /** Resets every relayed connection and stops listening. */
  public void refuse() throws IOException {
    server.close();
    for (Socket s : sockets) {
      if (s.isClosed()) {
        continue; // its relay ended on its own
      }
      try {
        s.setSoLinger(true, 0);
      } catch (java.net.SocketException e) {
        // closed by its relay thread meanwhile
      }
      s.close();
    }
  }

  /** Back to relaying: held bytes flow again; a refused port listens again. */
  public void restore() throws IOException {
    if (server.isClosed() && !closed) {
      server = bind(port);
      startAccepting(server);
    }
    synchronized (gate) {
      holding = false;
      gate.notifyAll();
    }
  }

  private static ServerSocket bind(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    return s;
  }

  private void startAccepting(ServerSocket s) {
    pool.execute(() -> {
      while (!s.isClosed()) {
        Socket down;
        try {
          down = s.accept();
        } catch (IOException e) {
          continue; // closed: the loop ends
        }
        try {
          Socket up = new Socket(InetAddress.getLoopbackAddress(), targetPort);
          sockets.add(down);
          sockets.add(up);
          pool.execute(() -> pump(down, up));
          pool.execute(() -> pump(up, down));
        } catch (IOException refused) {
          // the target is down: reset the client's connection as the target's refusal would
          try {
            down.setSoLinger(true, 0);
            down.close();
          } catch (IOException ignored) {
            // already gone
          }
        }
      }
    });
  }

  private void pump(Socket from, Socket to) {
    byte[] buf = new byte[16384];
    try (from; to) {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buf)) != -1) {
        awaitOpen();
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // one side went away: both are closed
    } finally {
      sockets.remove(from);
      sockets.remove(to);
    }
  }

  private void awaitOpen() throws InterruptedException {
    synchronized (gate) {
      while (holding && !closed) {
        gate.wait(200);
      }
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    for (Socket s : sockets) {
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

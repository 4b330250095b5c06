package io.wasmplane.dataplane.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** An upstream that accepts, reads the request head, then resets the connection (SO_LINGER 0) without answering. */
public final class ResettingUpstream implements AutoCloseable {
  private final ServerSocket socket;
  private final Thread thread;

  public ResettingUpstream() throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    thread = new Thread(this::run, "resetting-upstream");
    thread.setDaemon(true);
    thread.start();
  }

  public int port() {
    return socket.getLocalPort();
  }

  private void run() {
    while (!socket.isClosed()) {
      try (Socket s = socket.accept()) {
        s.setSoTimeout(2000);
        byte[] buf = new byte[8192];
        s.getInputStream().read(buf);
        s.setSoLinger(true, 0);
      } catch (IOException e) {
        // closed or client went away: next connection
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

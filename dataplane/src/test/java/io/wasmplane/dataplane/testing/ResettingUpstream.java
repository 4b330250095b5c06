package io.wasmplane.dataplane.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * An upstream that accepts, reads the request head, then resets the connection (SO_LINGER 0) without answering, or
 * after answering bytes that are not HTTP.
 */
public final class ResettingUpstream implements AutoCloseable {
  private final ServerSocket socket;
  private final Thread thread;
  private final byte[] reply;

  public ResettingUpstream() throws IOException {
    this(new byte[0]);
  }

  /** Writes {@code reply} (e.g. garbage) before the reset. */
  public ResettingUpstream(byte[] reply) throws IOException {
    this.reply = reply;
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
        if (reply.length > 0) {
          s.getOutputStream().write(reply);
          s.getOutputStream().flush();
          Thread.sleep(200); // let the proxy read it before the reset
        }
        s.setSoLinger(true, 0);
      } catch (IOException | InterruptedException e) {
        // closed or client went away: next connection
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

package io.wasmplane.dataplane.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;

/**
 * A real TCP echo upstream on loopback: echoes every byte; when the client half-closes, half-closes back and
 * closes. One daemon thread per connection; {@link #finsSeen} counts connections whose client half-closed.
 */
public final class TcpEchoServer implements AutoCloseable {
  private final LoopbackAcceptor acceptor;
  public final java.util.concurrent.atomic.AtomicInteger finsSeen = new java.util.concurrent.atomic.AtomicInteger();

  public TcpEchoServer() throws IOException {
    acceptor = new LoopbackAcceptor("tcp-echo", this::echo);
  }

  public int port() {
    return acceptor.port();
  }

  private void echo(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) > 0) {
        s.getOutputStream().write(buf, 0, n);
        s.getOutputStream().flush();
      }
      finsSeen.incrementAndGet();
      s.shutdownOutput();
    } catch (IOException ignored) {
      // the peer went away
    }
  }

  @Override
  public void close() throws IOException {
    acceptor.close();
  }
}

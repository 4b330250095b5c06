package io.wasmplane.dataplane.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A raw-socket WebSocket-ish upstream on loopback: reads a request head, answers {@code 101 Switching Protocols}
 * and then echoes every byte (a path containing "/plain" gets a 200 instead; "/bye" gets "bye" after the 101 and
 * a close; a CONNECT request gets 200 and then the echo, as an HTTP/1.1 CONNECT proxy). Records the heads it read; {@link #closedByPeer} counts connections whose client side closed.
 */
public final class WebSocketUpstream implements AutoCloseable {
  private final LoopbackAcceptor acceptor;
  public final List<String> heads = new CopyOnWriteArrayList<>();
  public final CountDownLatch closedByPeer = new CountDownLatch(1);

  public WebSocketUpstream() throws IOException {
    acceptor = new LoopbackAcceptor("ws-upstream", this::serve);
  }

  public int port() {
    return acceptor.port();
  }

  private void serve(Socket s) {
    try (s) {
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      String head = readHead(in);
      if (head == null) {
        return;
      }
      heads.add(head);
      String path = head.substring(0, head.indexOf("\r\n"));
      if (path.contains("/plain")) {
        out.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nplain".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return;
      }
      if (head.startsWith("CONNECT ")) {
        out.write("HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      } else {
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      }
      out.flush();
      if (path.contains("/bye")) {
        out.write("bye".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return;
      }
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        out.flush();
      }
      closedByPeer.countDown();
    } catch (IOException ignored) {
      // the peer went away or was too slow
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0 && head.size() < 16_384) {
      head.write(b);
      if (head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        return head.toString(StandardCharsets.ISO_8859_1);
      }
    }
    return null;
  }

  @Override
  public void close() throws IOException {
    acceptor.close();
  }
}

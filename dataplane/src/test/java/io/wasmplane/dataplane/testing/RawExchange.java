package io.wasmplane.dataplane.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/** Raw bytes to a listener over a plain socket, for framing tests that no well-behaved HTTP client would send. */
public final class RawExchange {
  private RawExchange() {}

  /**
   * Sends the bytes and reads until EOF. When the server stays silent for 600 ms (it waits for more of an incomplete
   * request) the client half-closes, which Envoy treats as the end of the connection; null when the server then neither
   * answers nor closes within 8 s. A reset ends the read: what arrived before it counts.
   */
  public static byte[] exchange(int port, byte[] bytes) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(600);
      try {
        s.getOutputStream().write(bytes);
        s.getOutputStream().flush();
      } catch (IOException e) {
        // the server closed while we were still writing (a 431, a GOAWAY): read what it said
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[16384];
      boolean halfClosed = false;
      while (true) {
        try {
          int n = in.read(buf);
          if (n < 0) {
            break;
          }
          out.write(buf, 0, n);
        } catch (SocketTimeoutException e) {
          if (halfClosed) {
            return null;
          }
          halfClosed = true;
          s.setSoTimeout(8000);
          try {
            s.shutdownOutput();
          } catch (IOException closed) {
            break;
          }
        } catch (IOException e) {
          break;
        }
      }
      return out.toByteArray();
    }
  }
}

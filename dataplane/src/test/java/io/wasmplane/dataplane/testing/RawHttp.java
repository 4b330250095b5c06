package io.wasmplane.dataplane.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Speaks raw bytes to a port: for Host headers, garbage, pipelining and oversized headers. */
public final class RawHttp {
  private RawHttp() {}

  /** How long the first byte of an answer may take: a cold proxy on a loaded machine can take a second. */
  private static final int FIRST_BYTE_MS = 5_000;

  /**
   * Sends {@code request} and reads until the peer closes or {@code timeoutMs} of silence once the answer has begun
   * (the first byte may take up to {@link #FIRST_BYTE_MS}).
   */
  public static String exchange(int port, String request, int timeoutMs) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(Math.max(timeoutMs, FIRST_BYTE_MS));
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      try {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          s.setSoTimeout(timeoutMs);
        }
      } catch (SocketTimeoutException e) {
        // no more data within the timeout: return what we have
      } catch (IOException e) {
        // reset by peer after the response: return what we have
      }
      return out.toString(StandardCharsets.ISO_8859_1);
    }
  }

  /** True when the server closed the connection (read returns EOF) within the timeout. */
  public static boolean closedAfter(int port, String request, int timeoutMs) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(timeoutMs);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      try {
        while (in.read(buf) >= 0) {
          // drain the response
        }
        return true;
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        return true;
      }
    }
  }
}

package io.wasmplane.dataplane.listener;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The HTTP inspector's reading of a connection's first bytes: the HTTP/2 connection preface ("h2c"), an HTTP/1.x
 * request line ("http/1.1", "http/1.0"), or not HTTP (""); null while more bytes are needed. Reads without consuming.
 */
final class HttpDetector {
  /** Envoy's http_inspector gives up after this many bytes without a request line. */
  static final int MAX_INSPECT = 8192;
  private static final byte[] H2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private HttpDetector() {}

  static String read(ByteBuf in) {
    int start = in.readerIndex();
    int n = in.readableBytes();
    boolean prefacePrefix = true;
    for (int i = 0; i < Math.min(n, H2_PREFACE.length); i++) {
      if (in.getByte(start + i) != H2_PREFACE[i]) {
        prefacePrefix = false;
        break;
      }
    }
    if (prefacePrefix) {
      return n >= H2_PREFACE.length ? "h2c" : null;
    }
    for (int i = 0; i < Math.min(n, MAX_INSPECT); i++) {
      byte b = in.getByte(start + i);
      if (b == '\n' || (b == '\r' && i + 1 < n && in.getByte(start + i + 1) == '\n')) {
        return requestLine(in.toString(start, i, StandardCharsets.US_ASCII));
      }
      if (b == '\r') {
        continue;
      }
      if ((b < 0x20 && b != '\t') || b == 0x7f) {
        return "";
      }
    }
    return n >= MAX_INSPECT ? "" : null;
  }

  /** "METHOD SP request-target SP HTTP/1.x". */
  private static String requestLine(String line) {
    String[] parts = line.split(" ");
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || !parts[0].chars().allMatch(HttpDetector::tokenChar)) {
      return "";
    }
    return switch (parts[2]) {
      case "HTTP/1.1" -> "http/1.1";
      case "HTTP/1.0" -> "http/1.0";
      default -> "";
    };
  }

  private static boolean tokenChar(int c) {
    return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
  }
}

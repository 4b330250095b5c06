package io.wasmplane.dataplane.listener;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The TLS inspector's reading of a connection's first bytes: a TLS ClientHello (possibly spread over several
 * records) with its SNI host name and ALPN protocols, or not TLS. Reads without consuming.
 */
record ClientHello(Kind kind, String serverName, List<String> alpn) {
  /** Envoy's tls_inspector limit on a ClientHello. */
  static final int MAX_SIZE = 64 * 1024;
  private static final int HANDSHAKE = 22;
  private static final int CLIENT_HELLO = 1;
  private static final int EXT_SERVER_NAME = 0;
  private static final int EXT_ALPN = 16;

  enum Kind { NEED_MORE, NOT_TLS, TLS, TOO_LARGE, MALFORMED }

  static final ClientHello NEED_MORE = new ClientHello(Kind.NEED_MORE, "", List.of());
  static final ClientHello NOT_TLS = new ClientHello(Kind.NOT_TLS, "", List.of());
  static final ClientHello TOO_LARGE = new ClientHello(Kind.TOO_LARGE, "", List.of());
  static final ClientHello MALFORMED = new ClientHello(Kind.MALFORMED, "", List.of());

  static ClientHello read(ByteBuf in) {
    int pos = in.readerIndex();
    int end = in.writerIndex();
    byte[] message = null;
    int have = 0;
    int need = -1;
    while (true) {
      if (end - pos < 5) {
        if (end - pos > 0 && in.getUnsignedByte(pos) != HANDSHAKE) {
          return message == null ? NOT_TLS : MALFORMED;
        }
        return NEED_MORE;
      }
      int type = in.getUnsignedByte(pos);
      int major = in.getUnsignedByte(pos + 1);
      int length = in.getUnsignedShort(pos + 3);
      if (type != HANDSHAKE || major != 3) {
        return message == null ? NOT_TLS : MALFORMED;
      }
      if (length == 0 || length > 16384 + 2048) {
        return MALFORMED;
      }
      if (end - pos - 5 < length) {
        return NEED_MORE;
      }
      if (message == null) {
        if (in.getUnsignedByte(pos + 5) != CLIENT_HELLO) {
          return NOT_TLS;
        }
        if (length < 4) {
          return MALFORMED; // a ClientHello header split over records: no real client does that
        }
        need = 4 + in.getUnsignedMedium(pos + 6);
        if (need > MAX_SIZE) {
          return TOO_LARGE;
        }
        message = new byte[need];
      }
      int take = Math.min(length, need - have);
      in.getBytes(pos + 5, message, have, take);
      have += take;
      pos += 5 + length;
      if (have == need) {
        return parse(message);
      }
    }
  }

  /** The ClientHello body after its 4-byte header: version, random, session id, ciphers, compression, extensions. */
  private static ClientHello parse(byte[] m) {
    try {
      int p = 4 + 2 + 32;
      p += 1 + u8(m, p);
      p += 2 + u16(m, p);
      p += 1 + u8(m, p);
      String sni = "";
      List<String> alpn = new ArrayList<>();
      if (p < m.length) {
        int extEnd = p + 2 + u16(m, p);
        p += 2;
        check(extEnd <= m.length);
        while (p + 4 <= extEnd) {
          int type = u16(m, p);
          int len = u16(m, p + 2);
          int data = p + 4;
          check(data + len <= extEnd);
          if (type == EXT_SERVER_NAME) {
            sni = serverName(m, data, data + len);
          } else if (type == EXT_ALPN) {
            int q = data + 2;
            int listEnd = q + u16(m, data);
            check(listEnd <= data + len);
            while (q < listEnd) {
              int l = u8(m, q);
              check(l > 0 && q + 1 + l <= listEnd);
              alpn.add(new String(m, q + 1, l, StandardCharsets.US_ASCII));
              q += 1 + l;
            }
          }
          p = data + len;
        }
      }
      return new ClientHello(Kind.TLS, sni, List.copyOf(alpn));
    } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
      return MALFORMED;
    }
  }

  private static String serverName(byte[] m, int from, int to) {
    int q = from + 2;
    int listEnd = q + u16(m, from);
    check(listEnd <= to);
    while (q + 3 <= listEnd) {
      int nameType = u8(m, q);
      int l = u16(m, q + 1);
      check(q + 3 + l <= listEnd);
      if (nameType == 0) {
        return new String(m, q + 3, l, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
      }
      q += 3 + l;
    }
    return "";
  }

  private static int u8(byte[] m, int i) {
    return m[i] & 0xff;
  }

  private static int u16(byte[] m, int i) {
    return (m[i] & 0xff) << 8 | (m[i + 1] & 0xff);
  }

  private static void check(boolean ok) {
    if (!ok) {
      throw new IllegalArgumentException("malformed ClientHello");
    }
  }
}

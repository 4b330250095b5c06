package io.wasmplane.dataplane.listener;

import io.netty.buffer.ByteBuf;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Reads a PROXY protocol header (HAProxy's proxy-protocol.txt, v1 text and v2 binary) at the start of a connection's
 * bytes without consuming them. A complete header reports its length and, for a proxied TCP/UDP connection over IPv4 or
 * IPv6, the source and destination it carries (none for v1 UNKNOWN, v2 LOCAL and v2 AF_UNSPEC: the socket's own stay).
 */
record ProxyProtocolHeader(Kind kind, int version, int length, InetSocketAddress source, InetSocketAddress destination,
    String error) {
  enum Kind { NEED_MORE, NOT_PROXY, FOUND, ERROR }

  /** v1's longest line (the spec's 107 bytes, CRLF included). */
  static final int V1_MAX = 107;
  private static final byte[] V1_SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  private static final int V2_FIXED = 16;

  private static final ProxyProtocolHeader NEED_MORE = new ProxyProtocolHeader(Kind.NEED_MORE, 0, 0, null, null, null);
  private static final ProxyProtocolHeader NOT_PROXY = new ProxyProtocolHeader(Kind.NOT_PROXY, 0, 0, null, null, null);

  static ProxyProtocolHeader read(ByteBuf in) {
    if (startsWith(in, V2_SIGNATURE)) {
      return in.readableBytes() < V2_SIGNATURE.length ? NEED_MORE : v2(in);
    }
    if (startsWith(in, V1_SIGNATURE)) {
      return in.readableBytes() < V1_SIGNATURE.length ? NEED_MORE : v1(in);
    }
    return NOT_PROXY;
  }

  /** Whether what was read so far is (a prefix of) {@code signature}. */
  private static boolean startsWith(ByteBuf in, byte[] signature) {
    int n = Math.min(in.readableBytes(), signature.length);
    for (int i = 0; i < n; i++) {
      if (in.getByte(in.readerIndex() + i) != signature[i]) {
        return false;
      }
    }
    return true;
  }

  private static ProxyProtocolHeader v1(ByteBuf in) {
    int start = in.readerIndex();
    int limit = Math.min(in.readableBytes(), V1_MAX);
    int end = -1;
    for (int i = 1; i < limit; i++) {
      if (in.getByte(start + i - 1) == '\r' && in.getByte(start + i) == '\n') {
        end = i + 1;
        break;
      }
    }
    if (end < 0) {
      return in.readableBytes() >= V1_MAX ? error(1, "v1 header longer than " + V1_MAX + " bytes") : NEED_MORE;
    }
    String line = in.toString(start, end - 2, StandardCharsets.US_ASCII);
    String[] parts = line.split(" ", -1);
    if (parts.length >= 2 && parts[1].equals("UNKNOWN")) {
      return new ProxyProtocolHeader(Kind.FOUND, 1, end, null, null, null);
    }
    if (parts.length != 6 || !(parts[1].equals("TCP4") || parts[1].equals("TCP6"))) {
      return error(1, "v1 header is not 'PROXY TCP4|TCP6 <src> <dst> <sport> <dport>' or 'PROXY UNKNOWN'");
    }
    boolean v4 = parts[1].equals("TCP4");
    InetAddress src = ip(parts[2], v4);
    InetAddress dst = ip(parts[3], v4);
    int sport = port(parts[4]);
    int dport = port(parts[5]);
    if (src == null || dst == null || sport < 0 || dport < 0) {
      return error(1, "v1 header has a bad address or port");
    }
    return new ProxyProtocolHeader(Kind.FOUND, 1, end, new InetSocketAddress(src, sport), new InetSocketAddress(dst, dport), null);
  }

  private static ProxyProtocolHeader v2(ByteBuf in) {
    if (in.readableBytes() < V2_FIXED) {
      return NEED_MORE;
    }
    int start = in.readerIndex();
    int verCmd = in.getUnsignedByte(start + 12);
    int famProto = in.getUnsignedByte(start + 13);
    int len = in.getUnsignedShort(start + 14);
    if (verCmd >> 4 != 2) {
      return error(2, "v2 header has version " + (verCmd >> 4));
    }
    int command = verCmd & 0x0F;
    if (command > 1) {
      return error(2, "v2 header has unknown command " + command);
    }
    if (in.readableBytes() < V2_FIXED + len) {
      return NEED_MORE;
    }
    int total = V2_FIXED + len;
    int family = famProto >> 4;
    int transport = famProto & 0x0F;
    if (command == 0 || family == 0) {
      // LOCAL (health checks from the proxy itself) or AF_UNSPEC: the connection's own addresses stay.
      return new ProxyProtocolHeader(Kind.FOUND, 2, total, null, null, null);
    }
    if (transport != 1 && transport != 2) {
      return error(2, "v2 header has unknown transport " + transport);
    }
    int addrLen = family == 1 ? 4 : family == 2 ? 16 : -1;
    if (addrLen < 0) {
      return error(2, family == 3 ? "v2 header carries AF_UNIX addresses (unsupported)" : "v2 header has unknown family " + family);
    }
    if (len < 2 * addrLen + 4) {
      return error(2, "v2 header address block is " + len + " bytes, shorter than its family needs");
    }
    byte[] src = new byte[addrLen];
    byte[] dst = new byte[addrLen];
    in.getBytes(start + V2_FIXED, src);
    in.getBytes(start + V2_FIXED + addrLen, dst);
    int sport = in.getUnsignedShort(start + V2_FIXED + 2 * addrLen);
    int dport = in.getUnsignedShort(start + V2_FIXED + 2 * addrLen + 2);
    try {
      return new ProxyProtocolHeader(Kind.FOUND, 2, total, new InetSocketAddress(InetAddress.getByAddress(src), sport),
          new InetSocketAddress(InetAddress.getByAddress(dst), dport), null);
    } catch (java.net.UnknownHostException e) {
      return error(2, "v2 header has a bad address"); // not reached: the lengths are 4 or 16
    }
  }

  /** A literal of the named family only (never a name: nothing here may resolve DNS). */
  private static InetAddress ip(String s, boolean v4) {
    boolean valid = v4 ? NetUtil.isValidIpV4Address(s) : NetUtil.isValidIpV6Address(s) && s.indexOf('%') < 0;
    return valid ? NetUtil.createInetAddressFromIpAddressString(s) : null;
  }

  private static int port(String s) {
    if (s.isEmpty() || s.length() > 5 || (s.length() > 1 && s.charAt(0) == '0')) {
      return -1;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return -1;
      }
    }
    int p = Integer.parseInt(s);
    return p <= 65535 ? p : -1;
  }

  private static ProxyProtocolHeader error(int version, String why) {
    return new ProxyProtocolHeader(Kind.ERROR, version, 0, null, null, why);
  }
}

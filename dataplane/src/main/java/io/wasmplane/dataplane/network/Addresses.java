package io.wasmplane.dataplane.network;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Addresses as Envoy prints them: IPv4 dotted, IPv6 in RFC 5952's short form ({@code 2001:db8::7}), and with a port
 * {@code 1.2.3.4:80} or {@code [2001:db8::7]:80}. Java's own text for IPv6 is the long form without brackets, which
 * reads as one more colon-separated field when a port follows.
 */
public final class Addresses {
  private Addresses() {}

  /** The IP alone (x-forwarded-for, %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%, hash keys). */
  public static String ip(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address.getHostAddress();
    }
    byte[] b = address.getAddress();
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    // RFC 5952 4.2: the longest run of two or more zero groups becomes "::" (the first of equal runs)
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int start = i;
      while (i < 8 && groups[i] == 0) {
        i++;
      }
      if (i - start > bestLength) {
        bestStart = start;
        bestLength = i - start;
      }
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLength - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }

  /** IP and port ({@code [v6]:port} for IPv6); an unresolved address keeps its host name. */
  public static String hostPort(InetSocketAddress address) {
    InetAddress ip = address.getAddress();
    if (ip == null) {
      return address.getHostString() + ":" + address.getPort();
    }
    String text = ip(ip);
    return ip instanceof Inet6Address ? "[" + text + "]:" + address.getPort() : text + ":" + address.getPort();
  }
}

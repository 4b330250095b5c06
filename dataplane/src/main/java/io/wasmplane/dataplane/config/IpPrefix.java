package io.wasmplane.dataplane.config;

import io.wasmplane.dataplane.network.Addresses;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IP prefix (Envoy's CidrRange), host bits cleared so equal ranges compare equal. */
public record IpPrefix(InetAddress network, int length) {
  public static final IpPrefix ANY_V4 = of(new byte[4], 0);
  public static final IpPrefix ANY_V6 = of(new byte[16], 0);

  /** Parses {@code address_prefix} and {@code prefix_len}; throws ConfigException naming {@code where}. */
  public static IpPrefix parse(String address, int length, String where) {
    if (!isLiteral(address)) {
      throw new ConfigException(where + ".address_prefix: '" + address + "' is not an IP address");
    }
    byte[] bytes;
    try {
      bytes = InetAddress.getByName(address).getAddress();
    } catch (UnknownHostException e) {
      throw new ConfigException(where + ".address_prefix: '" + address + "' is not an IP address", e);
    }
    if (length < 0 || length > bytes.length * 8) {
      throw new ConfigException(where + ".prefix_len: " + length + " is out of range for " + address + " (0.." + bytes.length * 8 + ")");
    }
    return of(bytes, length);
  }

  private static IpPrefix of(byte[] bytes, int length) {
    byte[] masked = bytes.clone();
    for (int bit = length; bit < masked.length * 8; bit++) {
      masked[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    try {
      return new IpPrefix(InetAddress.getByAddress(masked), length);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** True when {@code address} (same family) lies inside this prefix. */
  public boolean contains(InetAddress address) {
    byte[] a = address.getAddress();
    byte[] n = network.getAddress();
    if (a.length != n.length) {
      return false;
    }
    int full = length / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != n[i]) {
        return false;
      }
    }
    int rest = length % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (a[full] & mask) == (n[full] & mask);
  }

  @Override
  public String toString() {
    return Addresses.ip(network) + "/" + length;
  }

  /** Literal check without DNS: InetAddress.getByName would resolve a host name. */
  private static boolean isLiteral(String s) {
    return !s.isEmpty() && (s.indexOf(':') >= 0 || s.chars().allMatch(c -> c == '.' || Character.isDigit(c)));
  }
}

package io.wasmplane.dataplane.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Envoy's downstream remote address of a request: with use_remote_address the connection's peer (after a PROXY
 * protocol header); without it, the last x-forwarded-for entry (xff_num_trusted_hops 0), falling back to the peer
 * when there is none or it is no IP literal.
 */
public final class TrustedClientAddress {
  private TrustedClientAddress() {}

  public static InetSocketAddress of(HttpHeaders headers, InetSocketAddress connectionRemote, boolean useRemoteAddress) {
    if (useRemoteAddress) {
      return connectionRemote;
    }
    List<String> xff = headers.getAll("x-forwarded-for");
    if (xff.isEmpty()) {
      return connectionRemote;
    }
    String last = xff.get(xff.size() - 1);
    String entry = last.substring(last.lastIndexOf(',') + 1).trim();
    InetAddress a = NetUtil.createInetAddressFromIpAddressString(entry); // a literal only: never a DNS lookup
    return a == null ? connectionRemote : new InetSocketAddress(a, 0);
  }
}

package io.wasmplane.dataplane.router;

import io.wasmplane.dataplane.network.Addresses;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.wasmplane.dataplane.config.HashPolicy;
import io.wasmplane.dataplane.upstream.XxHash64;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;

/**
 * A request's hash key for RING_HASH / MAGLEV clusters from its route's hash policy, computed once per request as
 * Envoy's HashPolicyImpl does: each method's xxHash64, combined as rotl(previous, 1) ^ new, stopping after a terminal
 * method that left a hash. A cookie method with a ttl generates the cookie when the request has none; the Set-Cookie
 * values to add to the response are collected in {@link #setCookies()}.
 */
final class RequestHash {
  private final OptionalLong hash;
  private final List<String> setCookies;

  private RequestHash(OptionalLong hash, List<String> setCookies) {
    this.hash = hash;
    this.setCookies = setCookies;
  }

  OptionalLong hash() {
    return hash;
  }

  /** Set-Cookie header values for the response (empty unless a cookie was generated). */
  List<String> setCookies() {
    return setCookies;
  }

  static RequestHash compute(HashPolicy policy, HttpRequest request, InetSocketAddress remote, InetSocketAddress local) {
    boolean has = false;
    long hash = 0;
    List<String> cookies = List.of();
    for (HashPolicy.Method m : policy.methods()) {
      OptionalLong h = evaluate(m, request, remote);
      if (m instanceof HashPolicy.Cookie c && h.isEmpty() && c.ttl() != null) {
        String value = generatedCookie(remote, local);
        if (cookies.isEmpty()) {
          cookies = new ArrayList<>(1);
        }
        cookies.add(setCookie(c, value));
        h = OptionalLong.of(XxHash64.hash(value));
      }
      if (h.isPresent()) {
        // Rotating the previous value keeps duplicate methods from cancelling out.
        hash = has ? Long.rotateLeft(hash, 1) ^ h.getAsLong() : h.getAsLong();
        has = true;
      }
      if (m.terminal() && has) {
        break;
      }
    }
    return new RequestHash(has ? OptionalLong.of(hash) : OptionalLong.empty(), cookies);
  }

  /** One method's hash, or empty when the request lacks what it hashes. */
  private static OptionalLong evaluate(HashPolicy.Method m, HttpRequest request, InetSocketAddress remote) {
    if (m instanceof HashPolicy.Header hp) {
      List<String> values = headerValues(request, hp.name());
      if (values.isEmpty()) {
        return OptionalLong.empty();
      }
      // Envoy sorts the values so their order does not matter, then hashes them as one stream.
      List<String> vs = new ArrayList<>(values.size());
      for (String v : values) {
        vs.add(hp.rewrite() == null ? v : hp.rewrite().rewritePath(v));
      }
      Collections.sort(vs);
      return OptionalLong.of(XxHash64.hash(String.join("", vs)));
    }
    if (m instanceof HashPolicy.Cookie c) {
      String value = cookieValue(request, c.name());
      return value.isEmpty() ? OptionalLong.empty() : OptionalLong.of(XxHash64.hash(value));
    }
    if (m instanceof HashPolicy.SourceIp) {
      return remote == null || remote.getAddress() == null ? OptionalLong.empty()
          : OptionalLong.of(XxHash64.hash(ip(remote)));
    }
    HashPolicy.QueryParameter q = (HashPolicy.QueryParameter) m;
    String v = queryParameter(request.uri(), q.name());
    return v == null ? OptionalLong.empty() : OptionalLong.of(XxHash64.hash(v));
  }

  private static List<String> headerValues(HttpRequest request, String name) {
    return switch (name) {
      case ":path" -> List.of(request.uri());
      case ":method" -> List.of(request.method().name());
      default -> request.headers().getAll(name);
    };
  }

  /** The first value of cookie {@code name} across the Cookie headers, surrounding quotes removed; "" if absent. */
  static String cookieValue(HttpRequest request, String name) {
    for (String header : request.headers().getAll(HttpHeaderNames.COOKIE)) {
      for (String part : header.split(";")) {
        String p = part.strip();
        int eq = p.indexOf('=');
        if (eq > 0 && p.regionMatches(0, name, 0, name.length()) && eq == name.length()) {
          String v = p.substring(eq + 1);
          if (v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') {
            v = v.substring(1, v.length() - 1);
          }
          return v;
        }
      }
    }
    return "";
  }

  /** The first value of query parameter {@code name} (not decoded, as Envoy), or null. */
  static String queryParameter(String uri, String name) {
    int q = uri.indexOf('?');
    if (q < 0) {
      return null;
    }
    int end = uri.indexOf('#', q);
    String query = uri.substring(q + 1, end < 0 ? uri.length() : end);
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      if (key.equals(name)) {
        return eq < 0 ? "" : pair.substring(eq + 1);
      }
    }
    return null;
  }

  /**
   * Envoy's generated value: the same for every stream of a connection (so racing streams get one cookie), the hex
   * xxHash64 of the connection's remote then local address.
   */
  private static String generatedCookie(InetSocketAddress remote, InetSocketAddress local) {
    return String.format("%016x", XxHash64.hash(addressString(remote) + addressString(local)));
  }

  private static String addressString(InetSocketAddress a) {
    if (a == null || a.getAddress() == null) {
      return "";
    }
    String ip = ip(a);
    return (a.getAddress() instanceof Inet6Address ? "[" + ip + "]" : ip) + ":" + a.getPort();
  }

  /** The address as Envoy prints an IP: without an IPv6 scope id. */
  private static String ip(InetSocketAddress a) {
    return Addresses.ip(a.getAddress());
  }

  private static String setCookie(HashPolicy.Cookie c, String value) {
    StringBuilder sb = new StringBuilder(c.name()).append("=\"").append(value).append('"');
    if (!c.ttl().isZero()) {
      sb.append("; Max-Age=").append(c.ttl().getSeconds());
    }
    if (!c.path().isEmpty()) {
      sb.append("; Path=").append(c.path());
    }
    for (HashPolicy.CookieAttribute a : c.attributes()) {
      sb.append("; ").append(a.name());
      if (!a.value().isEmpty()) {
        sb.append('=').append(a.value());
      }
    }
    return sb.append("; HttpOnly").toString();
  }
}

package io.wasmplane.dataplane.server;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.wasmplane.dataplane.http.ArrayHttpHeaders;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/2 header blocks to and from the proxy's HTTP/1-shaped messages, straight into {@link ArrayHttpHeaders} and
 * out of any {@link HttpHeaders}. Netty's {@code HttpConversionUtil} does the same job through extra maps: a
 * stream-id header and a path header per request, and a lower-cased name map per response.
 * A request's scheme travels as {@code x-http2-scheme} (the name Netty's conversion used, which the router strips).
 */
final class Http2Conversion {
  static final AsciiString SCHEME_HEADER = AsciiString.cached("x-http2-scheme");
  private static final AsciiString HOST = AsciiString.cached("host");
  private static final AsciiString COOKIE = AsciiString.cached("cookie");

  private Http2Conversion() {}

  /** A request's HEADERS: the request line from the pseudo-headers, :authority as host, cookie crumbs joined. */
  static HttpRequest request(int streamId, Http2Headers in, boolean endStream) throws Http2Exception {
    CharSequence method = in.method();
    CharSequence path = in.path();
    CharSequence authority = in.authority();
    if (method == null) {
      throw Http2Exception.streamError(streamId, Http2Error.PROTOCOL_ERROR, "Mandatory header :method missing");
    }
    boolean connect = HttpMethod.CONNECT.asciiName().contentEquals(method);
    if (path == null && !connect) {
      throw Http2Exception.streamError(streamId, Http2Error.PROTOCOL_ERROR, "Mandatory header :path missing");
    }
    ArrayHttpHeaders headers = new ArrayHttpHeaders(in.size() + 4);
    if (authority != null) {
      headers.add(HOST, authority);
    }
    StringBuilder cookies = null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iterator(); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      CharSequence name = e.getKey();
      if (name.length() > 0 && name.charAt(0) == ':') {
        continue;
      }
      if (COOKIE.contentEquals(name)) {
        cookies = cookies == null ? new StringBuilder(e.getValue()) : cookies.append("; ").append(e.getValue());
      } else if (!(authority != null && HOST.contentEquals(name))) {
        headers.add(name, e.getValue());
      }
    }
    if (cookies != null) {
      headers.add(COOKIE, cookies);
    }
    CharSequence scheme = in.scheme();
    if (scheme != null) {
      headers.add(SCHEME_HEADER, scheme);
    }
    HttpMethod m = HttpMethod.valueOf(method.toString());
    String uri = connect && path == null ? String.valueOf(authority) : path.toString();
    return endStream
        ? new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, m, uri, Unpooled.EMPTY_BUFFER, headers, new ArrayHttpHeaders(2))
        : new DefaultHttpRequest(HttpVersion.HTTP_1_1, m, uri, headers);
  }

  /** A trailers HEADERS block. */
  static ArrayHttpHeaders trailers(Http2Headers in) {
    ArrayHttpHeaders out = new ArrayHttpHeaders(in.size() + 1);
    for (Map.Entry<CharSequence, CharSequence> e : in) {
      CharSequence name = e.getKey();
      if (name.length() == 0 || name.charAt(0) != ':') {
        out.add(name, e.getValue());
      }
    }
    return out;
  }

  /** A response's HEADERS: :status, then the fields with lower-case names and no connection-specific ones. */
  static Http2Headers response(HttpResponse response) {
    HttpHeaders in = response.headers();
    Http2Headers out = new DefaultHttp2Headers(false, in.size() + 1);
    out.status(response.status().codeAsText());
    copyFields(in, out);
    return out;
  }

  /** Trailers as an HTTP/2 HEADERS block. */
  static Http2Headers trailers(HttpHeaders in) {
    Http2Headers out = new DefaultHttp2Headers(false, in.size());
    copyFields(in, out);
    return out;
  }

  private static void copyFields(HttpHeaders in, Http2Headers out) {
    if (in instanceof ArrayHttpHeaders a) {
      for (int i = 0, n = a.size(); i < n; i++) {
        copyField(a.nameAt(i), a.valueAt(i), out);
      }
      return;
    }
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence(); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      copyField(e.getKey(), e.getValue(), out);
    }
  }

  private static void copyField(CharSequence name, CharSequence value, Http2Headers out) {
    if (connectionSpecific(name)) {
      if (name.length() == 2 && "trailers".contentEquals(value)) {
        out.add(lowerCase(name), value); // te: trailers is the one te HTTP/2 allows
      }
      return;
    }
    out.add(lowerCase(name), value);
  }

  /** RFC 9113 8.2.2: connection-specific fields never appear in HTTP/2 (te only as "trailers"). */
  private static boolean connectionSpecific(CharSequence name) {
    return switch (name.length()) {
      case 2 -> ArrayHttpHeaders.nameEquals(name, "te");
      case 4 -> ArrayHttpHeaders.nameEquals(name, "host");
      case 7 -> ArrayHttpHeaders.nameEquals(name, "upgrade");
      case 10 -> ArrayHttpHeaders.nameEquals(name, "connection") || ArrayHttpHeaders.nameEquals(name, "keep-alive");
      case 14 -> ArrayHttpHeaders.nameEquals(name, "x-http2-scheme") || ArrayHttpHeaders.nameEquals(name, "http2-settings");
      case 16 -> ArrayHttpHeaders.nameEquals(name, "proxy-connection");
      case 17 -> ArrayHttpHeaders.nameEquals(name, "transfer-encoding");
      default -> false;
    };
  }

  /** HTTP/2 field names are lower case; most already are, and then no copy is made. */
  private static CharSequence lowerCase(CharSequence name) {
    for (int i = 0, n = name.length(); i < n; i++) {
      char c = name.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return name.toString().toLowerCase(Locale.ROOT);
      }
    }
    return name;
  }
}

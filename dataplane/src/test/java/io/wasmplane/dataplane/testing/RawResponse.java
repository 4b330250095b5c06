package io.wasmplane.dataplane.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One HTTP/1.1 exchange with any Host header over a raw socket, parsed: status, headers (all values), body. */
public record RawResponse(int status, Map<String, List<String>> headers, String body) {

  public static RawResponse get(int port, String host, String path, String... headerLines) throws Exception {
    return send(port, "GET", host, path, headerLines);
  }

  public static RawResponse send(int port, String method, String host, String path, String... headerLines) throws Exception {
    return sendBody(port, method, host, path, "", headerLines);
  }

  /** With a request body (content-length is added). */
  public static RawResponse sendBody(int port, String method, String host, String path, String body, String... headerLines)
      throws Exception {
    StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
    for (String h : headerLines) {
      req.append(h).append("\r\n");
    }
    if (!body.isEmpty()) {
      req.append("content-length: ").append(body.length()).append("\r\n");
    }
    req.append("\r\n").append(body);
    String raw = RawHttp.exchange(port, req.toString(), 10_000);
    int end = raw.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new AssertionError("no complete response: " + raw);
    }
    String[] lines = raw.substring(0, end).split("\r\n");
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int c = lines[i].indexOf(':');
      headers.computeIfAbsent(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(lines[i].substring(c + 1).trim());
    }
    return new RawResponse(Integer.parseInt(lines[0].split(" ")[1]), headers, raw.substring(end + 4));
  }

  public List<String> header(String name) {
    return headers.getOrDefault(name, List.of());
  }

  /** The values the echoing TestUpstream received for a request header (its body has one "name: value" line each). */
  public List<String> upstreamSaw(String name) {
    List<String> out = new ArrayList<>();
    for (String line : body.split("\n")) {
      if (line.startsWith(name + ": ")) {
        out.add(line.substring(name.length() + 2));
      }
    }
    return out;
  }

  /** The request line the echoing TestUpstream received ("GET /path?query"). */
  public String upstreamRequestLine() {
    return body.split("\n", 2)[0];
  }
}

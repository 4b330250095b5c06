package io.wasmplane.dataplane.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.FuzzBudget;
import io.wasmplane.dataplane.testing.RawExchange;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded HTTP/1.1 framing fuzz against a running data plane over real sockets: mutated request lines, header names
 * and values, header sizes and counts, chunked encoding, conflicting Content-Length, garbage bytes. Every case gets
 * a well-formed response with a status Envoy would give (or the upstream's answer), or a closed connection; never a
 * hang or a 500; after every batch a valid request is still served, and at the end no downstream connection is left.
 */
@Timeout(300)
class Http1FramingFuzzTest {
  /**
   * Statuses a case may get: served (2xx from the upstream, 404 NR), Envoy's codec/limit answers, 403 for an upgrade
   * or CONNECT the HCM does not enable, upstream errors.
   */
  static final Set<Integer> ALLOWED = Set.of(200, 400, 403, 404, 405, 408, 411, 413, 414, 417, 431, 501, 502, 503, 505);
  static final Pattern STATUS_LINE = Pattern.compile("^HTTP/1\\.1 (\\d{3}) ");
  static final int BATCH = 20;

  @Test
  void mutatedHttp1RequestsGetEnvoysAnswersAndTheProcessKeepsServing() throws Exception {
    TreeMap<String, Integer> outcomes = new TreeMap<>();
    FuzzBudget budget;
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = Bootstraps.start(Bootstraps.bootstrap("""
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: "/"}
                route: {cluster: up}
            """, "stream_idle_timeout: 3s\nrequest_timeout: 5s", Bootstraps.staticCluster("up", up.port(), null), Path.of("/dev/null"), null))) {
      int port = dp.port("ingress");
      budget = FuzzBudget.of(4, 400);
      while (budget.next()) {
        byte[] request = mutate(budget.random);
        long t0 = System.nanoTime();
        String response = exchange(port, request);
        if (Boolean.getBoolean("wasmplane.fuzz.verbose")) {
          System.out.printf("case %d %s %d ms: %s%n", budget.cases(), outcomeOf(response), (System.nanoTime() - t0) / 1_000_000,
              printable(request));
        }
        String outcome = outcomeOf(response);
        outcomes.merge(outcome, 1, Integer::sum);
        assertThat(outcome).as("%s: request %s got %s", budget.replay(), printable(request), printable(response.getBytes(StandardCharsets.ISO_8859_1)))
            .matches("closed|status \\d{3}");
        if (outcome.startsWith("status ")) {
          assertThat(ALLOWED).as("%s: %s for %s", budget.replay(), outcome, printable(request)).contains(Integer.parseInt(outcome.substring(7)));
        }
        if (budget.cases() % BATCH == 0) {
          assertServes(dp, budget);
        }
      }
      assertServes(dp, budget);
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (activeConnections(dp) > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(activeConnections(dp)).as("downstream connections left open after the fuzz").isZero();
    }
    System.out.println("http1 fuzz: " + budget.cases() + " cases, seed " + budget.seed + ", outcomes " + outcomes);
  }

  /** Found by the fuzz: Envoy's limits and routing that the first version did not have. */
  @Test
  void tooManyHeadersAre431AndConnectIsRefusedUnlessEnabled() throws Exception {
    try (TestUpstream up = new TestUpstream("up");
        Dataplane dp = Bootstraps.start(Bootstraps.bootstrap("""
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: "/"}
                route: {cluster: up}
            """, "common_http_protocol_options: {max_headers_count: 20}", Bootstraps.staticCluster("up", up.port(), null),
            Path.of("/dev/null"), null))) {
      int port = dp.port("ingress");
      StringBuilder many = new StringBuilder("GET /many HTTP/1.1\r\nHost: ok\r\nConnection: close\r\n");
      for (int i = 0; i < 19; i++) {
        many.append("X-H").append(i).append(": v\r\n");
      }
      String tooMany = many + "\r\n";
      assertThat(exchange(port, tooMany.getBytes(StandardCharsets.ISO_8859_1))).startsWith("HTTP/1.1 431 ");
      String justRight = tooMany.replace("X-H18: v\r\n", "");
      assertThat(exchange(port, justRight.getBytes(StandardCharsets.ISO_8859_1))).startsWith("HTTP/1.1 200 ");
      try (io.wasmplane.dataplane.testing.H2cClient h2 = new io.wasmplane.dataplane.testing.H2cClient(port)) {
        java.util.Map<String, String> headers = new java.util.TreeMap<>();
        for (int i = 0; i < 30; i++) {
          headers.put("x-h" + i, "v");
        }
        assertThat(h2.request("GET", "/many", "ok", null, headers).get(10, java.util.concurrent.TimeUnit.SECONDS).status()).isEqualTo(431);
      }
      // Envoy: CONNECT is off unless upgrade_configs enable it (403 upgrade_failed, before any route or filter).
      assertThat(exchange(port, "CONNECT ok:443 HTTP/1.1\r\nHost: ok:443\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1))).startsWith("HTTP/1.1 403 ");
      assertThat(up.requests.get()).as("neither reached the upstream").isEqualTo(1);
    }
  }

  private static long activeConnections(Dataplane dp) {
    return dp.server().stats().snapshot().gauge("http.ingress_http.downstream_cx_active");
  }

  private static void assertServes(Dataplane dp, FuzzBudget budget) throws Exception {
    // a raw socket with Connection: close, so no pooled client connection outlives the check
    String r = exchange(dp.port("ingress"), "GET /still-serving HTTP/1.1\r\nHost: ok\r\nConnection: close\r\n\r\n"
        .getBytes(StandardCharsets.ISO_8859_1));
    assertThat(r).as("valid request after " + budget.replay()).startsWith("HTTP/1.1 200 ").contains("GET /still-serving\n");
  }

  /** "closed" (nothing before EOF/reset), "status NNN", or what went wrong ("hang", "garbage ..."). */
  static String outcomeOf(String response) {
    if (response == null) {
      return "hang";
    }
    if (response.isEmpty()) {
      return "closed";
    }
    Matcher m = STATUS_LINE.matcher(response);
    return m.find() ? "status " + m.group(1) : "garbage " + response.substring(0, Math.min(40, response.length()));
  }

  /** {@link RawExchange#exchange} as text; null when the server neither answered nor closed. */
  static String exchange(int port, byte[] request) throws IOException {
    byte[] response = RawExchange.exchange(port, request);
    return response == null ? null : new String(response, StandardCharsets.ISO_8859_1);
  }

  // ---- the generator ----

  static final String[] METHODS = {"GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE", "BREW", "get", "G ET", ""};
  static final String[] VERSIONS = {"HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.2", "HTTP/9.9", "HTTX/1.1", "HTTP/1.1 extra", "", "HTTP/"};

  static byte[] mutate(Random r) {
    String method = "GET";
    String target = "/fuzz/" + r.nextInt(1000);
    String version = "HTTP/1.1";
    List<String[]> headers = new ArrayList<>();
    headers.add(new String[] {"Host", "fuzz.local"});
    headers.add(new String[] {"User-Agent", "wasmplane-fuzz"});
    headers.add(new String[] {"Connection", "close"});
    String body = "";
    boolean chunked = false;
    String rawBody = null;
    int mutations = 1 + r.nextInt(3);
    for (int i = 0; i < mutations; i++) {
      switch (r.nextInt(14)) {
        case 0 -> method = pick(r, METHODS);
        case 1 -> target = randomTarget(r);
        case 2 -> version = pick(r, VERSIONS);
        case 3 -> headers.add(new String[] {randomToken(r, 1 + r.nextInt(40), true), randomValue(r, r.nextInt(200))});
        case 4 -> headers.add(new String[] {"X-Big", "v".repeat(1 + r.nextInt(120_000))});
        case 5 -> {
          int n = 1 + r.nextInt(300);
          for (int k = 0; k < n; k++) {
            headers.add(new String[] {"X-Many-" + k, "v" + k});
          }
        }
        case 6 -> { // conflicting / malformed Content-Length
          method = "POST";
          body = "hello";
          headers.add(new String[] {"Content-Length", pick(r, new String[] {"5", "6", "-1", "abc", "5, 6", "99999999999999999999", "0", " 5 "})});
          if (r.nextBoolean()) {
            headers.add(new String[] {"Content-Length", pick(r, new String[] {"5", "4", "7"})});
          }
        }
        case 7 -> { // chunked, possibly broken
          method = "POST";
          chunked = true;
          headers.add(new String[] {"Transfer-Encoding", pick(r, new String[] {"chunked", "chunked", "gzip, chunked", "chunked, gzip", "identity", "xchunked"})});
          rawBody = randomChunks(r);
        }
        case 8 -> { // both TE and CL
          method = "POST";
          chunked = true;
          headers.add(new String[] {"Transfer-Encoding", "chunked"});
          headers.add(new String[] {"Content-Length", Integer.toString(r.nextInt(20))});
          rawBody = randomChunks(r);
        }
        case 9 -> headers.add(new String[] {"X-Ctl", "a" + (char) r.nextInt(32) + "b"});
        case 10 -> headers.add(new String[] {"Host", pick(r, new String[] {"", "a b", "x:99999", "[::1", "h\u00e9"})});
        case 11 -> headers.add(new String[] {" X-Leading-Space", "v"});
        case 12 -> headers.add(new String[] {"X-Folded", "first\r\n  continued"});
        default -> { } // garbage comes below
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append(method).append(' ').append(target).append(version.isEmpty() ? "" : " " + version).append("\r\n");
    for (String[] h : headers) {
      sb.append(h[0]).append(": ").append(h[1]).append("\r\n");
    }
    if (!chunked && !body.isEmpty() && headers.stream().noneMatch(h -> h[0].equals("Content-Length"))) {
      sb.append("Content-Length: ").append(body.length()).append("\r\n");
    }
    sb.append("\r\n").append(rawBody != null ? rawBody : body);
    byte[] bytes = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    return r.nextInt(5) == 0 ? garble(r, bytes) : bytes;
  }

  static String randomChunks(Random r) {
    StringBuilder sb = new StringBuilder();
    int n = r.nextInt(4);
    for (int i = 0; i < n; i++) {
      int size = r.nextInt(20);
      String sizeText = switch (r.nextInt(8)) {
        case 0 -> "zz";
        case 1 -> "ffffffffffffffff";
        case 2 -> "-1";
        case 3 -> Integer.toHexString(size) + ";ext=1";
        case 4 -> Integer.toHexString(size + 3); // claims more than it sends
        default -> Integer.toHexString(size);
      };
      sb.append(sizeText).append("\r\n").append("x".repeat(size)).append("\r\n");
    }
    if (r.nextInt(3) > 0) {
      sb.append("0\r\n").append(r.nextBoolean() ? "X-Trailer: t\r\n" : "").append("\r\n");
    }
    return sb.toString();
  }

  static String randomTarget(Random r) {
    return switch (r.nextInt(7)) {
      case 0 -> "/" + "a".repeat(r.nextInt(90_000));
      case 1 -> "";
      case 2 -> "*";
      case 3 -> "http://fuzz.local/absolute";
      case 4 -> "/%zz/%00/..%2f";
      case 5 -> "/sp ace";
      default -> "/" + randomValue(r, r.nextInt(60));
    };
  }

  static String randomToken(Random r, int n, boolean allowBad) {
    String good = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_!#$%&'*+.^`|~";
    String bad = " :;\"(),/<=>?@[\\]{}\u0000\u007f\u00ff";
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(allowBad && r.nextInt(10) == 0 ? bad.charAt(r.nextInt(bad.length())) : good.charAt(r.nextInt(good.length())));
    }
    return sb.toString();
  }

  static String randomValue(Random r, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int c = r.nextInt(20) == 0 ? r.nextInt(256) : 0x20 + r.nextInt(0x5f);
      sb.append((char) c);
    }
    return sb.toString();
  }

  static byte[] garble(Random r, byte[] in) {
    byte[] out = in.clone();
    switch (r.nextInt(4)) {
      case 0 -> { // random bytes over a span
        int at = r.nextInt(out.length);
        int len = Math.min(out.length - at, 1 + r.nextInt(16));
        for (int i = 0; i < len; i++) {
          out[at + i] = (byte) r.nextInt(256);
        }
      }
      case 1 -> { // truncated
        return java.util.Arrays.copyOf(out, r.nextInt(out.length));
      }
      case 2 -> { // pure garbage
        byte[] g = new byte[1 + r.nextInt(4096)];
        r.nextBytes(g);
        return g;
      }
      default -> { // a valid request followed by garbage (pipelined)
        byte[] g = new byte[1 + r.nextInt(64)];
        r.nextBytes(g);
        byte[] both = java.util.Arrays.copyOf(out, out.length + g.length);
        System.arraycopy(g, 0, both, out.length, g.length);
        return both;
      }
    }
    return out;
  }

  static <T> T pick(Random r, T[] options) {
    return options[r.nextInt(options.length)];
  }

  static String printable(byte[] b) {
    String s = new String(b, 0, Math.min(b.length, 200), StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
    return "[" + b.length + " bytes] " + s.replaceAll("[^\\x20-\\x7e]", "?");
  }
}

package io.wasmplane.dataplane.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpRequest;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.http.FilterStatus;
import io.wasmplane.dataplane.http.HttpFilter;
import io.wasmplane.dataplane.http.HttpFilterRegistry;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import io.wasmplane.dataplane.testing.WebSocketUpstream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * HTTP/1.1 CONNECT through real sockets, as Envoy: routes with {@code connect_matcher} and a CONNECT upgrade config;
 * with {@code connect_config} the proxy terminates CONNECT (TCP to the cluster's host, 200, raw bytes both ways, TCP
 * half-close carried through), without it the CONNECT goes to the upstream and its 200 opens the tunnel. CONNECT that
 * the HCM does not enable is refused with 403 before any HTTP filter sees it; an enabled CONNECT without a
 * connect_matcher route is a 404.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
class ConnectTunnelTest {
  /** Requests the test filter (in front of the router) saw. */
  static final AtomicInteger seen = new AtomicInteger();

  static final class Seen implements HttpFilter {
    @Override
    public FilterStatus decodeHeaders(HttpRequest request, boolean end) {
      seen.incrementAndGet();
      return FilterStatus.CONTINUE;
    }
  }

  private static final String ROUTES = """
      - name: forward
        domains: ["forward.example:443"]
        routes:
        - match: {connect_matcher: {}}
          route: {cluster: proxy, upgrade_configs: [{upgrade_type: CONNECT}]}
      - name: all
        domains: ["*"]
        routes:
        - match: {connect_matcher: {}}
          route: {cluster: echo, upgrade_configs: [{upgrade_type: CONNECT, connect_config: {}}]}
        - match: {prefix: "/"}
          route: {cluster: proxy}
      """;

  private TcpEchoServer echo;
  private WebSocketUpstream proxy;
  private Path log;
  private Dataplane dp;

  @BeforeAll
  void start() throws Exception {
    HttpFilterRegistry.register("test.seen", (cfg, where) -> cb -> new Seen());
    echo = new TcpEchoServer();
    proxy = new WebSocketUpstream();
    log = Files.createTempFile("connect", ".log");
    dp = Bootstraps.start(config(ROUTES, "upgrade_configs: [{upgrade_type: CONNECT}]"));
  }

  private String config(String routes, String hcm) {
    String clusters = Bootstraps.staticCluster("echo", echo.port(), null) + Bootstraps.staticCluster("proxy", proxy.port(), null);
    return Bootstraps.bootstrap(routes, hcm, clusters, log, null).replace("""
                  http_filters:
        """.stripIndent().stripTrailing(), """
                  http_filters:
                  - name: test.seen
                    typed_config: {"@type": type.googleapis.com/google.protobuf.Struct}
        """.stripIndent().stripTrailing());
  }

  @AfterAll
  void stop() throws IOException {
    dp.close();
    echo.close();
    proxy.close();
    HttpFilterRegistry.unregister("test.seen");
  }

  private static Socket connect(Dataplane d) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), d.port("ingress"));
    s.setSoTimeout(5000);
    return s;
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0 && head.size() < 16_384) {
      head.write(b);
      if (head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        break;
      }
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private long counter(String name) {
    return dp.server().stats().snapshot().counter(name);
  }

  @Test
  void terminatedConnectTunnelsAMebibyteBothWaysAndCarriesTheHalfClose() throws Exception {
    long upgrades = counter("http.ingress_http.downstream_cx_upgrades_total");
    int fins = echo.finsSeen.get();
    try (Socket s = connect(dp)) {
      s.getOutputStream().write("CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String head = readHead(s.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 200 ");
      assertThat(head.toLowerCase()).doesNotContain("content-length").doesNotContain("transfer-encoding");
      byte[] big = new byte[1 << 20];
      for (int i = 0; i < big.length; i++) {
        big[i] = (byte) (i * 31);
      }
      // The client sends everything and then only shuts its write side: the echo of all of it still comes back.
      Thread writer = new Thread(() -> {
        try {
          s.getOutputStream().write(big);
          s.shutdownOutput();
        } catch (IOException ignored) {
          // the assertions below fail instead
        }
      });
      writer.start();
      byte[] back = s.getInputStream().readNBytes(big.length);
      writer.join(5000);
      assertThat(back.length).isEqualTo(big.length);
      assertThat(java.util.Arrays.mismatch(back, big)).as("first differing byte").isEqualTo(-1);
      // The upstream saw the FIN (it half-closes back only then), and its FIN reached the client.
      assertThat(s.getInputStream().read()).as("EOF after the upstream's half-close").isEqualTo(-1);
      assertThat(echo.finsSeen.get()).isEqualTo(fins + 1);
    }
    assertThat(counter("http.ingress_http.downstream_cx_upgrades_total")).isEqualTo(upgrades + 1);
  }

  @Test
  void upstreamSideKeepsFlowingAfterTheClientsFin() throws Exception {
    try (Socket s = connect(dp)) {
      s.getOutputStream().write("CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 200 ");
      s.getOutputStream().write("last words".getBytes(StandardCharsets.US_ASCII));
      s.shutdownOutput(); // before reading anything back: a full close here would lose the echo
      assertThat(new String(s.getInputStream().readNBytes(10), StandardCharsets.US_ASCII)).isEqualTo("last words");
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void connectWithoutConnectConfigIsForwardedAndTheUpstreams200OpensTheTunnel() throws Exception {
    int before = proxy.heads.size();
    try (Socket s = connect(dp)) {
      s.getOutputStream().write("CONNECT forward.example:443 HTTP/1.1\r\nHost: forward.example:443\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      String head = readHead(s.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 200 ");
      assertThat(proxy.heads).hasSize(before + 1);
      assertThat(proxy.heads.get(before)).startsWith("CONNECT forward.example:443 HTTP/1.1\r\n");
      assertThat(proxy.heads.get(before).toLowerCase()).doesNotContain("upgrade:");
      for (int i = 0; i < 3; i++) {
        String msg = "raw-" + i + " GET / HTTP/1.1\r\n\r\n";
        s.getOutputStream().write(msg.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(new String(s.getInputStream().readNBytes(msg.length()), StandardCharsets.ISO_8859_1)).isEqualTo(msg);
      }
    }
  }

  @Test
  void connectTheHcmDoesNotEnableIs403BeforeAnyFilter() throws Exception {
    // No CONNECT upgrade config on the HCM or the matching route.
    String routes = ROUTES.replace(", upgrade_configs: [{upgrade_type: CONNECT, connect_config: {}}]", "");
    try (Dataplane off = Bootstraps.start(config(routes, "upgrade_configs: [{upgrade_type: websocket}]"))) {
      int filtered = seen.get();
      int fins = echo.finsSeen.get();
      try (Socket s = connect(off)) {
        s.getOutputStream().write("CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 403 ");
      }
      assertThat(seen.get()).as("no HTTP filter saw the refused CONNECT").isEqualTo(filtered);
      assertThat(off.server().stats().snapshot().counter("http.ingress_http.downstream_rq_ws_on_non_ws_route")).isEqualTo(1);
      try (Socket s = connect(off)) {
        s.getOutputStream().write("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 ");
      }
      assertThat(seen.get()).as("the filter does run for ordinary requests").isEqualTo(filtered + 1);
      assertThat(echo.finsSeen.get()).isEqualTo(fins);
    }
  }

  @Test
  void enabledConnectWithoutAConnectMatcherRouteIs404() throws Exception {
    String prefixOnly = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: echo}
        """;
    try (Dataplane d = Bootstraps.start(config(prefixOnly, "upgrade_configs: [{upgrade_type: CONNECT}]"));
        Socket s = connect(d)) {
      s.getOutputStream().write("CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 404 ");
    }
  }

  @Test
  void terminatedConnectToAHostThatRefusesIs503() throws Exception {
    int closedPort = Ports.freePort(); // nothing listens there
    String routes = ROUTES.replace("cluster: echo", "cluster: nowhere");
    String yaml = config(routes, "upgrade_configs: [{upgrade_type: CONNECT}]")
        .replace("  clusters:\n", "  clusters:\n" + Bootstraps.staticCluster("nowhere", closedPort, null));
    try (Dataplane d = Bootstraps.start(yaml); Socket s = connect(d)) {
      s.getOutputStream().write("CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String head = readHead(s.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 503 ");
    }
  }
}

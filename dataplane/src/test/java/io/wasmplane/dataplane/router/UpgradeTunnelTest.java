package io.wasmplane.dataplane.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.WebSocketUpstream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * WebSocket upgrades through real sockets: a raw-socket client, the data plane (an Istio-shaped HCM with
 * {@code upgrade_configs: [{upgrade_type: websocket}]}), and a raw-socket upstream that answers 101 and echoes. After the 101 the connections are a byte tunnel both ways; closes propagate; an upstream
 * that answers 200 is an ordinary response.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
class UpgradeTunnelTest {
  private static final String HANDSHAKE = "GET %s HTTP/1.1\r\nHost: chat.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

  private WebSocketUpstream ws;
  private Dataplane dp;

  @BeforeAll
  void start() throws Exception {
    ws = new WebSocketUpstream();
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: ws, timeout: 0s}
        """;
    // The HCM fields an Istio sidecar's inbound HCM sets that are implemented, upgrade_configs among them.
    String istioHcm = """
        use_remote_address: false
        stream_idle_timeout: 0s
        forward_client_cert_details: APPEND_FORWARD
        set_current_client_cert_details: {subject: true, dns: true, uri: true}
        normalize_path: false
        upgrade_configs: [{upgrade_type: websocket}]
        """;
    dp = Bootstraps.start(Bootstraps.bootstrap(routes, istioHcm,
        Bootstraps.staticCluster("ws", ws.port(), null), Files.createTempFile("ws", ".log"), null));
  }

  @AfterAll
  void stop() throws IOException {
    dp.close();
    ws.close();
  }

  private Socket connect() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), dp.port("ingress"));
    s.setSoTimeout(5000);
    return s;
  }

  /** Reads the response head (up to the blank line). */
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

  private static String readExactly(InputStream in, int n) throws IOException {
    byte[] b = in.readNBytes(n);
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  private long stat(String name) {
    var snap = dp.server().stats().snapshot();
    return name.endsWith("_active") ? snap.gauge(name) : snap.counter(name);
  }

  @Test
  void handshakeThenBytesBothWaysThenClientCloseReachesTheUpstream() throws Exception {
    long total = stat("http.ingress_http.downstream_cx_upgrades_total");
    try (Socket s = connect()) {
      s.getOutputStream().write(HANDSHAKE.formatted("/chat").getBytes(StandardCharsets.US_ASCII));
      String head = readHead(s.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 101 ");
      assertThat(head.toLowerCase()).contains("upgrade: websocket").contains("connection: upgrade")
          .contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=");
      assertThat(ws.heads.get(ws.heads.size() - 1).toLowerCase()).contains("upgrade: websocket")
          .contains("connection: upgrade").contains("sec-websocket-key: dghlihnhbxbszsbub25jzq==");
      // Bytes that are not HTTP cross the proxy untouched, several round trips, one larger than a socket buffer.
      for (int i = 0; i < 3; i++) {
        String msg = "frame-" + i + " GET / HTTP/1.1\r\n\r\n";
        s.getOutputStream().write(msg.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(readExactly(s.getInputStream(), msg.length())).isEqualTo(msg);
      }
      byte[] big = new byte[1 << 20];
      for (int i = 0; i < big.length; i++) {
        big[i] = (byte) i;
      }
      Thread writer = new Thread(() -> {
        try {
          s.getOutputStream().write(big);
        } catch (IOException ignored) {
          // the assertion below fails instead
        }
      });
      writer.start();
      byte[] back = s.getInputStream().readNBytes(big.length);
      writer.join(5000);
      assertThat(back).isEqualTo(big);
      assertThat(stat("http.ingress_http.downstream_cx_upgrades_total")).isEqualTo(total + 1);
      assertThat(stat("http.ingress_http.downstream_cx_upgrades_active")).isGreaterThanOrEqualTo(1);
    }
    assertThat(ws.closedByPeer.await(5, TimeUnit.SECONDS)).as("the client's close reached the upstream").isTrue();
    for (int i = 0; i < 100 && stat("http.ingress_http.downstream_cx_upgrades_active") != 0; i++) {
      Thread.sleep(20);
    }
    assertThat(stat("http.ingress_http.downstream_cx_upgrades_active")).isZero();
  }

  @Test
  void upstreamCloseReachesTheClient() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write(HANDSHAKE.formatted("/bye").getBytes(StandardCharsets.US_ASCII));
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 101 ");
      assertThat(readExactly(s.getInputStream(), 3)).isEqualTo("bye");
      assertThat(s.getInputStream().read()).as("EOF after the upstream closed").isEqualTo(-1);
    }
  }

  @Test
  void anUpstreamThatAnswers200IsAnOrdinaryResponse() throws Exception {
    try (Socket s = connect()) {
      s.getOutputStream().write(HANDSHAKE.formatted("/plain").getBytes(StandardCharsets.US_ASCII));
      String head = readHead(s.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 200 ");
      assertThat(readExactly(s.getInputStream(), 5)).isEqualTo("plain");
      // Still HTTP: the same connection serves another request.
      s.getOutputStream().write("GET /plain/2 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 200 ");
    }
  }
}

package io.wasmplane.dataplane.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.H2cClient;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import io.wasmplane.dataplane.testing.WebSocketUpstream;
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
 * HTTP/2 downstream tunnels through real sockets (Netty's HTTP/2 client, prior knowledge): with
 * {@code http2_protocol_options.allow_connect} the proxy advertises SETTINGS_ENABLE_CONNECT_PROTOCOL, and an RFC 8441
 * extended CONNECT ({@code :protocol websocket}) reaches an HTTP/1.1 upstream as a GET with Upgrade: websocket; its 101
 * comes back as 200 and the stream's DATA frames are the tunnel, END_STREAM and FIN mapping to each other. A plain h2
 * CONNECT on a connect_config route is terminated the same way into a TCP connection. As in Envoy, the HCM's
 * request_timeout is disarmed once the response starts, so tunnels (h2 and HTTP/1.1 upgrades) outlive it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
class H2ExtendedConnectTest {
  private WebSocketUpstream ws;
  private TcpEchoServer echo;
  private Dataplane dp;

  @BeforeAll
  void start() throws Exception {
    ws = new WebSocketUpstream();
    echo = new TcpEchoServer();
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {connect_matcher: {}}
            route: {cluster: echo, upgrade_configs: [{upgrade_type: CONNECT, connect_config: {}}]}
          - match: {prefix: "/"}
            route: {cluster: ws, timeout: 0s}
        """;
    String hcm = """
        http2_protocol_options: {allow_connect: true}
        upgrade_configs: [{upgrade_type: websocket}]
        request_timeout: 0.3s
        """;
    dp = Bootstraps.start(Bootstraps.bootstrap(routes, hcm,
        Bootstraps.staticCluster("ws", ws.port(), null) + Bootstraps.staticCluster("echo", echo.port(), null),
        Files.createTempFile("h2connect", ".log"), null));
  }

  @AfterAll
  void stop() throws Exception {
    dp.close();
    ws.close();
    echo.close();
  }

  @Test
  void extendedConnectWebsocketBecomesAnHttp11UpgradeAndDataFramesAreTheTunnel() throws Exception {
    try (H2cClient client = new H2cClient(dp.port("ingress"))) {
      int before = ws.heads.size();
      Http2Headers h = new DefaultHttp2Headers().method("CONNECT").path("/chat").scheme("http").authority("chat.example");
      h.set(Http2Headers.PseudoHeaderName.PROTOCOL.value(), "websocket");
      h.set("sec-websocket-version", "13");
      H2cClient.Tunnel t = client.open(h);
      Http2Headers response = t.response.get(10, TimeUnit.SECONDS);
      assertThat(response.status().toString()).isEqualTo("200");
      assertThat(response.contains("upgrade")).isFalse();
      String head = ws.heads.get(before).toLowerCase();
      assertThat(head).startsWith("get /chat http/1.1\r\n").contains("upgrade: websocket").contains("connection: upgrade")
          .contains("sec-websocket-version: 13").doesNotContain("transfer-encoding");
      t.send("hello over h2", false);
      assertThat(t.await(13)).isEqualTo("hello over h2");
      t.send(" and bye", true); // END_STREAM: the upstream sees FIN, echoes what came before it and closes
      t.ended.get(10, TimeUnit.SECONDS);
      assertThat(t.received()).isEqualTo("hello over h2 and bye");
      assertThat(ws.closedByPeer.await(5, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void tunnelsOutliveTheRequestTimeout() throws Exception {
    try (H2cClient client = new H2cClient(dp.port("ingress"))) {
      Http2Headers h = new DefaultHttp2Headers().method("CONNECT").path("/chat").scheme("http").authority("chat.example");
      h.set(Http2Headers.PseudoHeaderName.PROTOCOL.value(), "websocket");
      H2cClient.Tunnel ws = client.open(h);
      H2cClient.Tunnel tcp = client.open(new DefaultHttp2Headers().method("CONNECT").authority("db.internal:5432"));
      assertThat(ws.response.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("200");
      assertThat(tcp.response.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("200");
      Thread.sleep(900); // three request timeouts
      ws.send("still here", false);
      tcp.send("me too", false);
      assertThat(ws.await(10)).isEqualTo("still here");
      assertThat(tcp.await(6)).isEqualTo("me too");
      assertThat(ws.ended.isDone()).isFalse();
      assertThat(tcp.ended.isDone()).isFalse();
    }
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), dp.port("ingress"))) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(("GET /chat HTTP/1.1\r\nHost: chat.example\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String head = readHead(s.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 101");
      Thread.sleep(900);
      s.getOutputStream().write("h1 tunnel".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(s.getInputStream().readNBytes(9), StandardCharsets.US_ASCII)).isEqualTo("h1 tunnel");
    }
    assertThat(dp.server().stats().snapshot().counter("http.ingress_http.downstream_rq_timeout")).isZero();
  }

  private static String readHead(java.io.InputStream in) throws java.io.IOException {
    StringBuilder b = new StringBuilder();
    while (!b.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      b.append((char) c);
    }
    return b.toString();
  }

  @Test
  void plainH2ConnectIsTerminatedIntoTcp() throws Exception {
    try (H2cClient client = new H2cClient(dp.port("ingress"))) {
      int fins = echo.finsSeen.get();
      H2cClient.Tunnel t = client.open(new DefaultHttp2Headers().method("CONNECT").authority("db.internal:5432"));
      assertThat(t.response.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("200");
      t.send("ping", false);
      assertThat(t.await(4)).isEqualTo("ping");
      String big = "x".repeat(256 * 1024); // four times the default stream window: flow control both ways
      t.send(big, false);
      assertThat(t.await(4 + big.length())).hasSize(4 + big.length());
      t.send("-pong", true);
      t.ended.get(10, TimeUnit.SECONDS); // the echo server half-closed back after our END_STREAM became its FIN
      assertThat(t.received()).isEqualTo("ping" + big + "-pong");
      assertThat(echo.finsSeen.get()).isEqualTo(fins + 1);
    }
  }
}

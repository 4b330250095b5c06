package io.wasmplane.dataplane.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.filters.network.local_ratelimit through real sockets: before a tcp_proxy, N connections are proxied (held open
 * at once) and connection N+1 is closed at once, never reaching the upstream, counted under
 * local_ratelimit.<stat_prefix>.rate_limited; before an HCM, the connection over the limit gets no response; with
 * runtime_enabled's default false nothing is limited.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class LocalRateLimitNetworkTest {
  private TcpEchoServer echo;
  private TestUpstream web;
  private Dataplane dp;

  private static String listener(String name, String limit, String terminal) {
    return Bootstraps.networkFilterListener(name, "envoy.filters.network.local_ratelimit",
        "envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit", limit, terminal, null);
  }

  private static final String TCP_PROXY = Bootstraps.tcpProxyTo("LISTENER_echo");
  private static final String HCM = Bootstraps.HCM_TO_WEB;

  @BeforeAll
  void start() throws Exception {
    echo = new TcpEchoServer();
    web = new TestUpstream("web");
    String two = "token_bucket: {max_tokens: 2, fill_interval: 3600s}";
    String one = "token_bucket: {max_tokens: 1, fill_interval: 3600s}";
    String off = one + "\nruntime_enabled: {default_value: false, runtime_key: rl_off}";
    dp = Bootstraps.start("""
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        static_resources:
          listeners:
        %s
        %s
        %s
          clusters:
        %s
        %s
        %s
        """.formatted(Bootstraps.indent(listener("tcp_rl", two, TCP_PROXY), 2), Bootstraps.indent(listener("http_rl", one, HCM), 2),
        Bootstraps.indent(listener("tcp_off", off, TCP_PROXY), 2), Bootstraps.staticCluster("tcp_rl_echo", echo.port(), null),
        Bootstraps.staticCluster("tcp_off_echo", echo.port(), null), Bootstraps.staticCluster("web", web.port(), null)));
  }

  @AfterAll
  void stop() throws Exception {
    dp.close();
    echo.close();
    web.close();
  }

  private long counter(String name) {
    return dp.server().stats().snapshot().counter(name);
  }

  private static String echoLine(Socket s) throws IOException {
    s.setSoTimeout(5000);
    s.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
    s.getOutputStream().flush();
    byte[] back = s.getInputStream().readNBytes(6);
    return back.length == 0 ? "closed" : new String(back, StandardCharsets.UTF_8);
  }

  /** Sends {@code data} and half-closes; what came back until the proxy closed, or "closed" if nothing. */
  private static String exchange(int port, String data) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(data.getBytes(StandardCharsets.UTF_8));
      s.shutdownOutput(); // the echo answers, then closes on our FIN
      byte[] back = s.getInputStream().readNBytes(4096);
      return back.length == 0 ? "closed" : new String(back, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "closed"; // reset
    }
  }

  @Test
  void beforeATcpProxyConnectionNPlusOneIsClosedAndNeverReachesTheUpstream() throws Exception {
    int port = dp.port("tcp_rl");
    try (Socket first = new Socket("127.0.0.1", port); Socket second = new Socket("127.0.0.1", port)) {
      assertThat(echoLine(first)).isEqualTo("hello\n");
      assertThat(echoLine(second)).isEqualTo("hello\n");
      assertThat(exchange(port, "hello\n")).isEqualTo("closed");
    }
    assertThat(counter("local_ratelimit.tcp_rl.rate_limited")).isEqualTo(1);
    assertThat(counter("cluster.tcp_rl_echo.upstream_cx_total")).isEqualTo(2);
    assertThat(counter("tcp.tcp_rl_proxy.downstream_cx_rx_bytes_total")).isEqualTo(12);
  }

  @Test
  void beforeAnHcmTheConnectionOverTheLimitGetsNoResponse() throws Exception {
    int port = dp.port("http_rl");
    assertThat(RawResponse.get(port, "web", "/").status()).isEqualTo(200);
    int requests = web.requests.get();
    assertThat(exchange(port, "GET / HTTP/1.1\r\nHost: web\r\n\r\n")).isEqualTo("closed");
    assertThat(web.requests.get()).isEqualTo(requests);
    assertThat(counter("local_ratelimit.http_rl.rate_limited")).isEqualTo(1);
  }

  @Test
  void runtimeEnabledFalseLimitsNothing() throws Exception {
    int port = dp.port("tcp_off");
    for (int i = 0; i < 3; i++) {
      assertThat(exchange(port, "hello\n")).isEqualTo("hello\n");
    }
    assertThat(counter("local_ratelimit.tcp_off.rate_limited")).isZero();
  }
}

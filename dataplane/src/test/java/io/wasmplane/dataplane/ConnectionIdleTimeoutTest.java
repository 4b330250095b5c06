package io.wasmplane.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connection idle timeouts (HCM and cluster {@code common_http_protocol_options.idle_timeout}): an idle
 * connection is closed and counted, a connection that keeps carrying requests more often than the period is not.
 */
@Timeout(60)
class ConnectionIdleTimeoutTest {
  private static final String ROUTES = Bootstraps.ALL_TO_C;
  private static final String IDLE_400MS = """
      typed_extension_protocol_options:
        envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
          "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
          common_http_protocol_options: {idle_timeout: 0.4s}
          explicit_http_config: {http_protocol_options: {}}
      """;

  private static Dataplane start(TestUpstream up) throws Exception {
    return Bootstraps.start(Bootstraps.bootstrap(ROUTES, "common_http_protocol_options: {idle_timeout: 0.4s}",
        Bootstraps.staticCluster("c", up.port(), IDLE_400MS), Path.of("/dev/null"), null));
  }

  /** One keep-alive request on {@code socket}; returns the status line after reading the whole response. */
  private static String request(Socket socket, BufferedReader in) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    String status = in.readLine();
    int length = 0;
    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    for (int i = 0; i < length; i++) {
      in.read();
    }
    return status;
  }

  private static long counter(Dataplane dp, String name) {
    return dp.server().stats().snapshot().counter(name);
  }

  @Test
  void idleDownstreamAndUpstreamConnectionsAreClosedAndCounted() throws Exception {
    try (TestUpstream up = new TestUpstream("up"); Dataplane dp = start(up);
         Socket socket = new Socket("127.0.0.1", dp.port("ingress"))) {
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      assertThat(request(socket, in)).startsWith("HTTP/1.1 200");
      long idleSince = System.nanoTime();
      socket.setSoTimeout(5_000);
      assertThat(in.read()).as("the proxy closes the idle connection").isEqualTo(-1);
      assertThat((System.nanoTime() - idleSince) / 1_000_000).as("never before the idle timeout").isGreaterThanOrEqualTo(390);
      Await.until("downstream_cx_idle_timeout", () -> counter(dp, "http.ingress_http.downstream_cx_idle_timeout") == 1);
      Await.until("upstream_cx_idle_timeout", () -> counter(dp, "cluster.c.upstream_cx_idle_timeout") == 1);
    }
  }

  @Test
  void aConnectionBusierThanThePeriodStaysOpen() throws Exception {
    try (TestUpstream up = new TestUpstream("up"); Dataplane dp = start(up);
         Socket socket = new Socket("127.0.0.1", dp.port("ingress"))) {
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      // Three periods' worth of requests, one every 150 ms, on one connection: each is answered on it.
      for (int i = 0; i < 8; i++) {
        assertThat(request(socket, in)).as("request %d", i).startsWith("HTTP/1.1 200");
        Thread.sleep(150);
      }
      assertThat(counter(dp, "http.ingress_http.downstream_cx_idle_timeout")).isZero();
      assertThat(counter(dp, "cluster.c.upstream_cx_idle_timeout")).isZero();
      socket.setSoTimeout(100);
      try {
        assertThat(in.read()).as("still open: no EOF").isNotEqualTo(-1);
      } catch (SocketTimeoutException stillOpen) {
        // expected: nothing to read, and not closed
      }
    }
  }
}

package io.wasmplane.dataplane.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * TCP proxy flow control through real sockets: while the upstream does not read, the proxy stops reading the client
 * (so it does not buffer without bound); once the upstream reads again, everything the client sent arrives.
 */
@Timeout(60)
class TcpProxyBackpressureTest {
  private static final int TOTAL = 32 * 1024 * 1024;

  @Test
  void aSlowUpstreamPausesReadingTheClientAndEveryByteStillArrives() throws Exception {
    try (ServerSocket upstream = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
      Dataplane dp = Bootstraps.start("""
          static_resources:
            listeners:
            - name: tcp
              address: {socket_address: {address: 127.0.0.1, port_value: 0}}
              filter_chains:
              - filters:
                - name: envoy.filters.network.tcp_proxy
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                    stat_prefix: slow
                    cluster: slow
            clusters:
          %s
          """.formatted(Bootstraps.staticCluster("slow", upstream.getLocalPort(), null)));
      try (dp; Socket client = new Socket()) {
        client.connect(new InetSocketAddress("127.0.0.1", dp.port("tcp")), 2000);
        Thread writer = new Thread(() -> {
          try {
            byte[] chunk = new byte[64 * 1024];
            for (int sent = 0; sent < TOTAL; sent += chunk.length) {
              client.getOutputStream().write(chunk);
            }
            client.shutdownOutput();
          } catch (IOException ignored) {
            // the test fails on the byte count below
          }
        });
        writer.setDaemon(true);
        writer.start();
        try (Socket up = upstream.accept()) {
          var stats = dp.server().stats();
          long deadline = System.nanoTime() + 20_000_000_000L;
          while (stats.snapshot().counter("tcp.slow.downstream_flow_control_paused_reading_total") == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
          }
          assertThat(stats.snapshot().counter("tcp.slow.downstream_flow_control_paused_reading_total")).isPositive();
          AtomicLong received = new AtomicLong();
          InputStream in = up.getInputStream();
          byte[] buf = new byte[256 * 1024];
          int n;
          while ((n = in.read(buf)) > 0) {
            received.addAndGet(n);
          }
          assertThat(received.get()).isEqualTo(TOTAL);
          assertThat(stats.snapshot().counter("tcp.slow.downstream_flow_control_resumed_reading_total")).isPositive();
          assertThat(stats.snapshot().counter("tcp.slow.downstream_cx_rx_bytes_total")).isEqualTo(TOTAL);
        }
      }
    }
  }
}

package io.wasmplane.dataplane.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.AccessLogFiles;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * envoy.access_loggers.file on envoy.filters.network.tcp_proxy: Envoy's default format (the HTTP operators print "-",
 * RESPONSE_CODE 0) and a format string with the connection's operators, through real sockets to a real echo server;
 * a dead upstream is logged with UF. The client writes and half-closes at once, before the upstream is connected.
 */
@Timeout(60)
class TcpProxyFileAccessLogTest {
  @TempDir
  Path dir;

  private static String listener(String name, String cluster, Path defaultLog, Path customLog) {
    return """
          - name: %s
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: %s
                  cluster: %s
                  access_log:
                  - name: envoy.access_loggers.file
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog, path: "%s"}
                  - name: envoy.access_loggers.file
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                      path: "%s"
                      log_format:
                        text_format: "%%DOWNSTREAM_REMOTE_ADDRESS%% %%UPSTREAM_HOST%% %%UPSTREAM_CLUSTER%% %%BYTES_RECEIVED%% %%BYTES_SENT%% %%RESPONSE_FLAGS%% %%PROTOCOL%% %%REQ(:METHOD)%% %%CONNECTION_ID%%\\n"
        """.formatted(name, name, cluster, defaultLog, customLog);
  }

  @Test
  void connectionsAreLoggedWithEnvoysDefaultFormatAndFormatStrings() throws Exception {
    Path defaultLog = dir.resolve("default.log");
    Path customLog = dir.resolve("custom.log");
    int dead = Ports.freePort(); // nothing listens there
    try (TcpEchoServer echo = new TcpEchoServer(); Dataplane dp = Bootstraps.start("""
        static_resources:
          listeners:
        %s
        %s
          clusters:
        %s
        %s
        """.formatted(listener("tcp", "echo", defaultLog, customLog), listener("dead", "nobody", defaultLog, customLog),
        Bootstraps.staticCluster("echo", echo.port(), null), Bootstraps.staticCluster("nobody", dead, null)))) {
      int localPort;
      // Bytes and the client's half-close arrive before the upstream connection is up: both still go through.
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", dp.port("tcp")), 2000);
        s.setSoTimeout(5000);
        localPort = s.getLocalPort();
        s.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
        s.shutdownOutput();
        assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello\n");
      }
      List<String> custom = AccessLogFiles.awaitLines(dp, customLog, 1);
      assertThat(custom).containsExactly("127.0.0.1:" + localPort + " 127.0.0.1:" + echo.port() + " echo 6 6 - - - "
          + custom.get(0).substring(custom.get(0).lastIndexOf(' ') + 1));
      assertThat(custom.get(0)).matches(".* [1-9]\\d*");
      assertThat(AccessLogFiles.awaitLines(dp, defaultLog, 1).get(0)).matches(
          "\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z] \"- - -\" 0 - 6 6 \\d+ - \"-\" \"-\" \"-\" \"-\" \"127\\.0\\.0\\.1:"
              + echo.port() + "\"");

      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", dp.port("dead")), 2000);
        s.setSoTimeout(5000);
        assertThat(s.getInputStream().read()).as("closed: the upstream refused").isEqualTo(-1);
      }
      assertThat(AccessLogFiles.awaitLines(dp, customLog, 2).get(1)).matches("127\\.0\\.0\\.1:\\d+ 127\\.0\\.0\\.1:" + dead + " nobody 0 0 UF - - \\d+");
    }
  }
}

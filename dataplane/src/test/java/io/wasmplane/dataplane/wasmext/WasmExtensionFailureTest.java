package io.wasmplane.dataplane.wasmext;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.server.DataplaneServer;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The access logger, the stats sink and the background service each with a VM that traps
 * (plugins/wat/ext/ext_trap.wat: proxy_on_log, envoy_on_stats_update, proxy_on_tick): the process keeps serving,
 * {@code wasm.<plugin>.vm_failures} counts each plugin's failure once, and the log line names plugin and callback.
 */
@Timeout(60)
class WasmExtensionFailureTest {
  private static String trap() {
    Path p = Path.of(System.getProperty("wasmplane.plugins.dir", "../plugins/build"), "wat", "ext_trap.wasm");
    assertThat(Files.isRegularFile(p)).as(p + " (run plugins/build.sh)").isTrue();
    return p.toAbsolutePath().toString();
  }

  private static String config(String name, String configuration) {
    return """
        config:
          name: %s
          configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: "%s"}
          vm_config:
            vm_id: %s
            runtime: envoy.wasm.runtime.v8
            code: {local: {filename: "%s"}}
        """.formatted(name, configuration, name, trap());
  }

  @Test
  void trappingLoggerSinkAndServiceAreCountedAndLoggedWhileTheProxyGoesOn() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    String accessLog = """
                    - name: envoy.access_loggers.wasm
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.access_loggers.wasm.v3.WasmAccessLog
        """ + config("trap_log", "").indent(16);
    try (Collector upstream = new Collector(0); Dataplane dp = Bootstraps.start("""
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        stats_flush_interval: 0.1s
        stats_sinks:
        - name: envoy.stat_sinks.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.stat_sinks.wasm.v3.Wasm
        %s
        bootstrap_extensions:
        - name: envoy.bootstrap.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.wasm.v3.WasmService
            singleton: true
        %s
        static_resources:
          listeners:
        %s
          clusters:
        %s
        """.formatted(config("trap_sink", "").indent(4), config("trap_service", "tick").indent(4), Collector.listener(accessLog, ""),
        Collector.cluster("up", upstream.port())))) {
      HttpClient client = Http.h1();
      for (int i = 0; i < 3; i++) {
        assertThat(Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/hello").statusCode()).isEqualTo(201);
      }
      var stats = dp.server().stats();
      for (String plugin : new String[] {"trap_log", "trap_sink", "trap_service"}) {
        assertThat(Collector.await(() -> stats.snapshot().counter("wasm." + plugin + ".vm_failures") >= 1, 10_000))
            .as("wasm.%s.vm_failures", plugin).isTrue();
      }
      // Each failed VM is counted once; later calls skip it (the sink keeps flushing into a failed VM: skipped).
      Thread.sleep(300);
      for (String plugin : new String[] {"trap_log", "trap_sink", "trap_service"}) {
        assertThat(stats.snapshot().counter("wasm." + plugin + ".vm_failures")).as(plugin).isEqualTo(1);
      }
      assertThat(stats.snapshot().counter("wasm.trap_sink.stats_sink_failures")).isEqualTo(1);

      assertThat(Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/hello").statusCode()).isEqualTo(201);
      assertThat(dp.server().state()).isEqualTo(DataplaneServer.State.LIVE);
      assertThat(Http.get(client, "http://127.0.0.1:" + dp.adminPort() + "/stats").body())
          .contains("wasm.trap_log.vm_failures: 1", "wasm.trap_service.vm_failures: 1");
      for (String[] pc : new String[][] {{"trap_log", "proxy_on_log"}, {"trap_sink", "envoy_on_stats_update"},
          {"trap_service", "proxy_on_tick"}}) {
        assertThat(logs.list.stream().map(ILoggingEvent::getFormattedMessage))
            .as("a log line naming %s and %s", pc[0], pc[1])
            .anyMatch(m -> m.contains("'" + pc[0] + "'") && m.contains(pc[1]) && m.contains("TRAP"));
      }
    } finally {
      root.detachAppender(logs);
    }
  }
}

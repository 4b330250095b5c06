package io.wasmplane.dataplane.wasmext;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.HcmConfig;
import io.wasmplane.dataplane.config.ListenerConfig;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import java.net.http.HttpClient;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Wasm access logger's plugin version is a handle of the shared plugin lifecycle: replacing the HCM with one
 * without the logger releases it, and its VMs (one per worker that logged) close; the listener keeps serving.
 */
@Timeout(60)
class WasmAccessLogReleaseTest {
  private static final String ACCESS_LOG_TEMPLATE = """
                    - name: envoy.access_loggers.wasm
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.access_loggers.wasm.v3.WasmAccessLog
                        config:
                          name: c_access_log
                          root_id: c_access_log
                          configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: collector}
                          vm_config:
                            vm_id: c_access_log
                            runtime: envoy.wasm.runtime.v8
                            code: {local: {filename: "%s"}}
          """;

  /** The same HCM without its access loggers. */
  private static ListenerConfig withoutLoggers(ListenerConfig l) {
    HcmConfig h = l.hcm();
    HcmConfig noLog = new HcmConfig(h.statPrefix(), h.codecType(), h.routes(), h.httpFilters(), List.of(), h.idleTimeout(),
        h.requestTimeout(), h.streamIdleTimeout(), h.maxRequestHeadersBytes(), h.useRemoteAddress(), h.skipXffAppend(),
        h.generateRequestId(), h.preserveExternalRequestId(), h.serverName(), h.bufferLimitBytes(), h.rdsRouteConfigName());
    return new ListenerConfig(l.name(), l.address(), noLog, l.chains().get(0).tls(), l.networkFilters(), l.tcpProxy());
  }

  @Test
  void replacingTheHcmReleasesTheLoggersVms() throws Exception {
    try (Collector collector = new Collector(0)) {
      String accessLog = ACCESS_LOG_TEMPLATE.formatted(Collector.plugin("c_access_log"));
      try (Dataplane dp = Bootstraps.start("""
          admin:
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          static_resources:
            listeners:
          %s
            clusters:
          %s
          %s
          """.formatted(Collector.listener(accessLog, ""), Collector.cluster("up", collector.port()),
          Collector.cluster("collector", collector.port())))) {
        HttpClient client = Http.h1();
        assertThat(Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/hello/a").statusCode()).isEqualTo(201);
        assertThat(Collector.await(() -> collector.posted.stream().anyMatch(l -> l.startsWith("GET /hello/a ")), 10_000)).isTrue();
        var manager = dp.server().wasmPlugins();
        assertThat(manager.liveVms()).as("the logger's VM on the worker that logged").isGreaterThanOrEqualTo(1);

        dp.server().updateListener(withoutLoggers(dp.server().config().listeners().get(0)));

        assertThat(Collector.await(() -> manager.liveVms() == 0, 10_000)).as("VMs left: " + manager.liveVms()).isTrue();
        assertThat(Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/hello/b").statusCode()).isEqualTo(201);
      }
    }
  }

  @Test
  void aStreamInFlightWhenItsHcmIsReplacedStillLogs() throws Exception {
    try (Collector logs = new Collector(0); Collector slow = new Collector(1500)) {
      String accessLog = ACCESS_LOG_TEMPLATE.formatted(Collector.plugin("c_access_log"));
      try (Dataplane dp = Bootstraps.start("""
          admin:
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          static_resources:
            listeners:
          %s
            clusters:
          %s
          %s
          """.formatted(Collector.listener(accessLog, ""), Collector.cluster("up", slow.port()),
          Collector.cluster("collector", logs.port())))) {
        HttpClient client = Http.h1();
        var inflight = client.sendAsync(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + dp.port("ingress") + "/hello/inflight")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(Collector.await(() -> slow.paths.contains("GET /hello/inflight"), 10_000)).as("the request is upstream").isTrue();

        dp.server().updateListener(withoutLoggers(dp.server().config().listeners().get(0)));

        assertThat(inflight.get(10, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(201);
        assertThat(Collector.await(() -> logs.posted.stream().anyMatch(l -> l.startsWith("GET /hello/inflight 201")), 10_000))
            .as("the in-flight stream's entry, logged by the replaced HCM's plugin: %s", logs.posted).isTrue();
        var manager = dp.server().wasmPlugins();
        assertThat(Collector.await(() -> manager.liveVms() == 0, 10_000)).as("then its VMs go").isTrue();
      }
    }
  }
}

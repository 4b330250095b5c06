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
  @Test
  void replacingTheHcmReleasesTheLoggersVms() throws Exception {
    try (Collector collector = new Collector(0)) {
      String accessLog = """
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
          """.formatted(Collector.plugin("c_access_log"));
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

        ListenerConfig l = dp.server().config().listeners().get(0);
        HcmConfig h = l.hcm();
        HcmConfig noLog = new HcmConfig(h.statPrefix(), h.codecType(), h.routes(), h.httpFilters(), List.of(), h.idleTimeout(),
            h.requestTimeout(), h.streamIdleTimeout(), h.maxRequestHeadersBytes(), h.useRemoteAddress(), h.skipXffAppend(),
            h.generateRequestId(), h.preserveExternalRequestId(), h.serverName(), h.bufferLimitBytes(), h.rdsRouteConfigName());
        dp.server().updateListener(new ListenerConfig(l.name(), l.address(), noLog, l.tls(), l.networkFilters(), l.tcpProxy()));

        assertThat(Collector.await(() -> manager.liveVms() == 0, 10_000)).as("VMs left: " + manager.liveVms()).isTrue();
        assertThat(Http.get(client, "http://127.0.0.1:" + dp.port("ingress") + "/hello/b").statusCode()).isEqualTo(201);
      }
    }
  }
}

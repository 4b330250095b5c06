package io.wasmplane.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Settings;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.H2FrameRecorder;
import io.wasmplane.dataplane.testing.H2Upstream;
import io.wasmplane.dataplane.testing.H2cClient;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * A cluster's HTTP/2 options as real Netty HTTP/2 upstreams see them: the proxy's SETTINGS and its WINDOW_UPDATE on
 * stream 0, a response body larger than 65535 bytes that needs no WINDOW_UPDATE with Envoy's default windows, and a new
 * upstream connection once a connection carries max_concurrent_streams streams (ours, or the upstream's lower one).
 * Requests come over one downstream HTTP/2 connection, so one worker (one pool per host) serves them. Active HTTP/2
 * health checks (codec_client_type: HTTP2; gRPC checks take the same path) send the cluster's SETTINGS and window too,
 * Envoy's defaults when the cluster sets none, not Netty's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
class UpstreamHttp2OptionsTest {
  private static final int BODY = 200_000;
  private final H2FrameRecorder bigFrames = new H2FrameRecorder();
  private final H2FrameRecorder tunedFrames = new H2FrameRecorder();
  private final H2FrameRecorder checkedFrames = new H2FrameRecorder();
  private final H2FrameRecorder checkedDefaultFrames = new H2FrameRecorder();
  private H2Upstream big;
  private H2Upstream tuned;
  private H2Upstream peerLimited;
  private H2Upstream checked;
  private H2Upstream checkedDefault;
  private Dataplane dp;

  @BeforeAll
  void start() throws Exception {
    big = new H2Upstream(b -> b.frameLogger(bigFrames), 0, BODY);
    tuned = new H2Upstream(b -> b.frameLogger(tunedFrames), 500, 0);
    peerLimited = new H2Upstream(b -> b.initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(1)), 500, 0);
    checked = new H2Upstream(b -> b.frameLogger(checkedFrames), 0, 0);
    checkedDefault = new H2Upstream(b -> b.frameLogger(checkedDefaultFrames), 0, 0);
    String healthChecks = """
        health_checks:
        - timeout: 1s
          interval: 10s
          unhealthy_threshold: 1
          healthy_threshold: 1
          http_health_check: {path: /healthz, codec_client_type: HTTP2}
        """;
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/big"}
            route: {cluster: big}
          - match: {prefix: "/tuned"}
            route: {cluster: tuned}
          - match: {prefix: "/limited"}
            route: {cluster: limited}
        """;
    String clusters = Bootstraps.staticCluster("big", big.port(), "http2_protocol_options: {}")
        + Bootstraps.staticCluster("tuned", tuned.port(), """
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config:
                  http2_protocol_options: {hpack_table_size: 8192, max_concurrent_streams: 1,
                    initial_stream_window_size: 1048576, initial_connection_window_size: 2097152}
            """)
        + Bootstraps.staticCluster("limited", peerLimited.port(), "http2_protocol_options: {}")
        + Bootstraps.staticCluster("checked", checked.port(), """
            http2_protocol_options: {hpack_table_size: 2048, max_concurrent_streams: 5, initial_stream_window_size: 131072,
              initial_connection_window_size: 524288}
            """ + healthChecks)
        + Bootstraps.staticCluster("checkeddefault", checkedDefault.port(), healthChecks);
    dp = Bootstraps.start(Bootstraps.bootstrap(routes, "codec_type: HTTP2", clusters,
        Files.createTempFile("h2upstream", ".log"), null));
  }

  @AfterAll
  void stop() throws Exception {
    dp.close();
    big.close();
    tuned.close();
    peerLimited.close();
    checked.close();
    checkedDefault.close();
  }

  @Test
  void http2HealthChecksUseTheClustersOptions() throws Exception {
    // No request goes to these clusters: the only HTTP/2 connection they see is the health checker's.
    Http2Settings s = checkedFrames.peerSettings.get(10, TimeUnit.SECONDS);
    assertThat(s.initialWindowSize()).isEqualTo(131072);
    assertThat(s.maxConcurrentStreams()).isEqualTo(5L);
    assertThat(s.headerTableSize()).isEqualTo(2048);
    Await.until("the connection window raised", () -> !checkedFrames.windowUpdates.isEmpty());
    assertThat(checkedFrames.windowUpdates.get(0)).containsExactly(0, 524288 - 65535);
    Http2Settings d = checkedDefaultFrames.peerSettings.get(10, TimeUnit.SECONDS);
    assertThat(d.initialWindowSize()).isEqualTo(268435456);
    assertThat(d.maxConcurrentStreams()).isEqualTo(2147483647L);
    Await.until("the connection window raised", () -> !checkedDefaultFrames.windowUpdates.isEmpty());
    assertThat(checkedDefaultFrames.windowUpdates.get(0)).containsExactly(0, 268435456 - 65535);
    Await.until("both checked", () -> checked.streams.get() > 0 && checkedDefault.streams.get() > 0);
    assertThat(dp.server().stats().snapshot().counter("cluster.checked.health_check.success")).isPositive();
  }

  @Test
  void envoysDefaultWindowsLetALargeResponseFlowWithoutWindowUpdates() throws Exception {
    try (H2cClient client = new H2cClient(dp.port("ingress"))) {
      H2cClient.Response r = client.request("GET", "/big", "h2.example", null).get(10, TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).hasSize(BODY);
    }
    Http2Settings s = bigFrames.peerSettings.get(10, TimeUnit.SECONDS);
    assertThat(s.initialWindowSize()).isEqualTo(268435456);
    assertThat(s.maxConcurrentStreams()).isEqualTo(2147483647L);
    assertThat(s.headerTableSize()).isEqualTo(4096);
    assertThat(bigFrames.windowUpdates).hasSize(1);
    assertThat(bigFrames.windowUpdates.get(0)).containsExactly(0, 268435456 - 65535);
  }

  @Test
  void configuredSettingsReachTheUpstreamAndItsStreamLimitOpensAnotherConnection() throws Exception {
    try (H2cClient client = new H2cClient(dp.port("ingress"))) {
      List<CompletableFuture<H2cClient.Response>> rs = List.of(client.request("GET", "/tuned/1", "h2.example", null),
          client.request("GET", "/tuned/2", "h2.example", null));
      for (CompletableFuture<H2cClient.Response> r : rs) {
        assertThat(r.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      }
    }
    Http2Settings s = tunedFrames.peerSettings.get(10, TimeUnit.SECONDS);
    assertThat(s.initialWindowSize()).isEqualTo(1048576);
    assertThat(s.maxConcurrentStreams()).isEqualTo(1L);
    assertThat(s.headerTableSize()).isEqualTo(8192);
    assertThat(tunedFrames.windowUpdates.get(0)).containsExactly(0, 2097152 - 65535);
    assertThat(tuned.connections.get()).isEqualTo(2);
    assertThat(tuned.maxStreamsPerConnection.get()).isEqualTo(1);
  }

  @Test
  void theUpstreamsLowerLimitAlsoOpensAnotherConnection() throws Exception {
    try (H2cClient client = new H2cClient(dp.port("ingress"))) {
      // A first request sets the connection up: the proxy has the upstream's SETTINGS before the next two.
      assertThat(client.request("GET", "/limited/0", "h2.example", null).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      List<CompletableFuture<H2cClient.Response>> rs = List.of(client.request("GET", "/limited/1", "h2.example", null),
          client.request("GET", "/limited/2", "h2.example", null));
      for (CompletableFuture<H2cClient.Response> r : rs) {
        assertThat(r.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      }
    }
    assertThat(peerLimited.connections.get()).isEqualTo(2);
    assertThat(peerLimited.maxStreamsPerConnection.get()).isEqualTo(1);
  }
}

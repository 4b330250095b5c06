package io.wasmplane.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.H2FrameRecorder;
import io.wasmplane.dataplane.testing.H2Upstream;
import io.wasmplane.dataplane.testing.H2cClient;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * connection_keepalive (interval 200 ms, timeout 500 ms, no jitter) downstream and upstream, with real Netty HTTP/2
 * peers: one that does not answer PINGs has its connection closed and counted (http2.keepalive_timeout,
 * cluster.&lt;name&gt;.http2.keepalive_timeout); one that answers keeps its connection. connection_idle_interval: a
 * new upstream stream after 200 ms of quiet sends a PING.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
class Http2KeepaliveTest {
  private static final String KEEPALIVE = "{connection_keepalive: {interval: 0.2s, timeout: 0.5s, interval_jitter: {value: 0}}}";
  private final H2FrameRecorder answeringFrames = new H2FrameRecorder();
  private final H2FrameRecorder idleFrames = new H2FrameRecorder();
  private H2Upstream silent;
  private H2Upstream answering;
  private H2Upstream idle;
  private Dataplane dp;

  @BeforeAll
  void start() throws Exception {
    silent = new H2Upstream(b -> b.autoAckPingFrame(false), 0, 0);
    answering = new H2Upstream(b -> b.frameLogger(answeringFrames), 0, 0);
    idle = new H2Upstream(b -> b.frameLogger(idleFrames), 0, 0);
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/silent"}
            route: {cluster: silent}
          - match: {prefix: "/idle"}
            route: {cluster: idle}
          - match: {prefix: "/"}
            route: {cluster: answering}
        """;
    String clusters = Bootstraps.staticCluster("silent", silent.port(), "http2_protocol_options: " + KEEPALIVE)
        + Bootstraps.staticCluster("answering", answering.port(), "http2_protocol_options: " + KEEPALIVE)
        + Bootstraps.staticCluster("idle", idle.port(),
            "http2_protocol_options: {connection_keepalive: {timeout: 1s, connection_idle_interval: 0.2s}}");
    dp = Bootstraps.start(Bootstraps.bootstrap(routes, "codec_type: HTTP2\nhttp2_protocol_options: " + KEEPALIVE, clusters,
        Files.createTempFile("h2keepalive", ".log"), null));
  }

  @AfterAll
  void stop() throws Exception {
    dp.close();
    silent.close();
    answering.close();
    idle.close();
  }

  @Test
  void aNewUpstreamStreamOnAConnectionIdleForConnectionIdleIntervalSendsAPingFirst() throws Exception {
    try (H2cClient client = new H2cClient(dp.port("ingress"))) {
      assertThat(client.request("GET", "/idle/1", "h2.example", null).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(client.request("GET", "/idle/2", "h2.example", null).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(idleFrames.pingsReceived.get()).isZero(); // no interval PINGs, and the connection was not idle
      Thread.sleep(400);
      assertThat(client.request("GET", "/idle/3", "h2.example", null).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(waitFor(() -> idleFrames.pingsReceived.get() == 1)).isTrue();
      assertThat(idle.connections.get()).isEqualTo(1);
    }
  }

  @Test
  void aDownstreamPeerThatStopsAnsweringPingsIsClosed() throws Exception {
    H2FrameRecorder frames = new H2FrameRecorder();
    long before = counter("http2.keepalive_timeout");
    try (H2cClient client = new H2cClient(dp.port("ingress"), b -> b.autoAckPingFrame(false).frameLogger(frames))) {
      assertThat(client.request("GET", "/", "h2.example", null).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(client.channel().closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(frames.pingsReceived.get()).isPositive();
    }
    assertThat(counter("http2.keepalive_timeout")).isEqualTo(before + 1);
  }

  @Test
  void aDownstreamPeerThatAnswersKeepsItsConnection() throws Exception {
    H2FrameRecorder frames = new H2FrameRecorder();
    try (H2cClient client = new H2cClient(dp.port("ingress"), b -> b.frameLogger(frames))) {
      assertThat(client.request("GET", "/", "h2.example", null).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(waitFor(() -> frames.pingsReceived.get() >= 3)).isTrue(); // three rounds: well past interval + timeout
      assertThat(client.channel().isActive()).isTrue();
      assertThat(client.request("GET", "/", "h2.example", null).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
    }
  }

  @Test
  void anUpstreamThatStopsAnsweringPingsIsClosedAndOneThatAnswersIsKept() throws Exception {
    try (H2cClient client = new H2cClient(dp.port("ingress"))) {
      assertThat(client.request("GET", "/silent", "h2.example", null).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(client.request("GET", "/", "h2.example", null).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(waitFor(() -> silent.closedConnections.get() == 1)).isTrue();
      assertThat(counter("cluster.silent.http2.keepalive_timeout")).isEqualTo(1);
      assertThat(waitFor(() -> answeringFrames.pingsReceived.get() >= 3)).isTrue();
      assertThat(answering.closedConnections.get()).isZero();
      assertThat(counter("cluster.answering.http2.keepalive_timeout")).isZero();
      assertThat(client.request("GET", "/silent", "h2.example", null).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(silent.connections.get()).isEqualTo(2); // a new connection replaced the closed one
    }
  }

  private long counter(String name) {
    return dp.server().stats().snapshot().counter(name);
  }

  /** Polls {@code condition} for at most 5 s. */
  private static boolean waitFor(BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 250 && !condition.getAsBoolean(); i++) {
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }
}

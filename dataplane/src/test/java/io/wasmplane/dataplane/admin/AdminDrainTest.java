package io.wasmplane.dataplane.admin;

import static io.wasmplane.dataplane.admin.AdminTestBootstrap.admin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import io.envoyproxy.envoy.admin.v3.ServerInfo;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.server.DrainStrategy;
import io.wasmplane.dataplane.testing.H2cClient;
import io.wasmplane.dataplane.testing.RawHttp;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * /drain_listeners (all, inboundonly, graceful, skip_exit) and /healthcheck/fail|ok, over real sockets against a data
 * plane with an INBOUND and an OUTBOUND (drain_type MODIFY_ONLY) listener.
 */
@Timeout(60)
class AdminDrainTest {
  private static final String GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  private TestUpstream up;
  private Dataplane dp;

  @BeforeEach
  void start() throws Exception {
    up = new TestUpstream("up");
    dp = AdminTestBootstrap.start(up.port(), Duration.ofSeconds(1), null);
  }

  @AfterEach
  void stop() {
    dp.close();
    up.close();
  }

  @Test
  void inboundOnlyStopsJustTheInboundListener() throws Exception {
    Socket open = new Socket(InetAddress.getLoopbackAddress(), dp.port("inbound")); // accepted before the drain
    var r = admin(dp, "POST", "/drain_listeners?inboundonly");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("OK\n");
    assertRefused(dp.port("inbound"));
    assertThat(response(dp.port("outbound"))).startsWith("HTTP/1.1 200");
    // A connection accepted before the stop runs on.
    try (open) {
      open.setSoTimeout(5000);
      open.getOutputStream().write(GET.getBytes());
      assertThat(new String(open.getInputStream().readNBytes(12))).isEqualTo("HTTP/1.1 200");
    }
    assertThat(admin(dp, "GET", "/stats?filter=listener_manager.listener_stopped").body())
        .isEqualTo("listener_manager.listener_stopped: 1\n");
    assertThat(admin(dp, "GET", "/ready").body()).isEqualTo("LIVE\n"); // the admin listener is never drained
  }

  @Test
  void withoutInboundOnlyEveryListenerStops() throws Exception {
    assertThat(admin(dp, "POST", "/drain_listeners").statusCode()).isEqualTo(200);
    assertRefused(dp.port("inbound"));
    assertRefused(dp.port("outbound"));
    assertThat(admin(dp, "GET", "/stats?filter=listener_manager.listener_stopped").body())
        .isEqualTo("listener_manager.listener_stopped: 2\n");
  }

  @Test
  void gracefulKeepsAcceptingWithConnectionCloseThenStops() throws Exception {
    assertThat(admin(dp, "POST", "/drain_listeners?inboundonly&graceful").statusCode()).isEqualTo(200);
    long start = System.nanoTime();
    // During the drain period the inbound listener still accepts, and each response closes its connection.
    String during = response(dp.port("inbound"));
    assertThat(during).startsWith("HTTP/1.1 200");
    assertThat(during.toLowerCase(Locale.ROOT)).contains("connection: close");
    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(900));
    // The outbound listener is not drained: keep-alive.
    assertThat(RawHttp.closedAfter(dp.port("outbound"), GET, 300)).isFalse();
    // After --drain-time-s (1 s here) the inbound listener stops; the outbound one keeps serving.
    assertRefusedWithin(dp.port("inbound"), 5000);
    assertThat(response(dp.port("outbound"))).startsWith("HTTP/1.1 200");
  }

  /**
   * Envoy's default --drain-strategy gradual: a response closes its connection with probability elapsed / drain time.
   * Two seconds into a 600 s drain (p under 0.4 %) nearly every connection stays open; once the drain time is over,
   * every response closes.
   */
  @Test
  void gradualDrainAsksAGrowingShareOfConnectionsToClose() throws Exception {
    try (Dataplane slow = AdminTestBootstrap.start(up.port(), Duration.ofSeconds(600), DrainStrategy.GRADUAL, null, "")) {
      ServerInfo.Builder info = ServerInfo.newBuilder();
      JsonFormat.parser().merge(admin(slow, "GET", "/server_info").body(), info);
      assertThat(info.getCommandLineOptions().getDrainStrategy()).isEqualTo(CommandLineOptions.DrainStrategy.Gradual);
      assertThat(admin(slow, "POST", "/drain_listeners?graceful&skip_exit").statusCode()).isEqualTo(200);
      int closed = 0;
      for (int i = 0; i < 20; i++) {
        String r = response(slow.port("inbound"));
        assertThat(r).startsWith("HTTP/1.1 200");
        closed += r.toLowerCase(Locale.ROOT).contains("connection: close") ? 1 : 0;
      }
      assertThat(closed).as("responses asked to close early in a 600 s gradual drain").isLessThanOrEqualTo(2);
    }
    try (Dataplane quick = AdminTestBootstrap.start(up.port(), Duration.ofMillis(500), DrainStrategy.GRADUAL, null, "")) {
      assertThat(admin(quick, "POST", "/drain_listeners?graceful&skip_exit").statusCode()).isEqualTo(200);
      Thread.sleep(700); // past the drain time: every response closes
      for (int i = 0; i < 5; i++) {
        assertThat(response(quick.port("inbound")).toLowerCase(Locale.ROOT)).contains("connection: close");
      }
    }
  }

  @Test
  void gracefulWithSkipExitKeepsAcceptingAfterTheDrainPeriod() throws Exception {
    assertThat(admin(dp, "POST", "/drain_listeners?skip_exit").statusCode()).isEqualTo(400);
    assertThat(admin(dp, "POST", "/drain_listeners?graceful&skip_exit").statusCode()).isEqualTo(200);
    Thread.sleep(1500); // past the 1 s drain period
    String after = response(dp.port("inbound"));
    assertThat(after).startsWith("HTTP/1.1 200");
    assertThat(after.toLowerCase(Locale.ROOT)).contains("connection: close"); // still draining
  }

  @Test
  void healthCheckFailDrainsConnectionsUntilOk() throws Exception {
    assertThat(admin(dp, "POST", "/healthcheck/fail").body()).isEqualTo("OK\n");
    var ready = admin(dp, "GET", "/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).isEqualTo("DRAINING\n");
    ServerInfo.Builder info = ServerInfo.newBuilder();
    JsonFormat.parser().merge(admin(dp, "GET", "/server_info").body(), info);
    assertThat(info.getState()).isEqualTo(ServerInfo.State.DRAINING);
    assertThat(admin(dp, "GET", "/stats?filter=%5Eserver.live%24").body()).isEqualTo("server.live: 0\n");
    // drain_type DEFAULT: HTTP/1.1 responses close their connection; HTTP/2 connections get GOAWAY after a response.
    assertThat(response(dp.port("inbound")).toLowerCase(Locale.ROOT)).contains("connection: close");
    try (H2cClient h2 = new H2cClient(dp.port("inbound"))) {
      assertThat(h2.request("GET", "/", "x", null).get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(h2.closedWithin(5000)).isTrue();
    }
    // drain_type MODIFY_ONLY: not drained by a failed health check.
    assertThat(RawHttp.closedAfter(dp.port("outbound"), GET, 300)).isFalse();

    assertThat(admin(dp, "POST", "/healthcheck/ok").body()).isEqualTo("OK\n");
    assertThat(admin(dp, "GET", "/ready").body()).isEqualTo("LIVE\n");
    assertThat(admin(dp, "GET", "/stats?filter=%5Eserver.live%24").body()).isEqualTo("server.live: 1\n");
    assertThat(RawHttp.closedAfter(dp.port("inbound"), GET, 300)).isFalse();
  }

  @Test
  void mutatingEndpointsRefuseGet() throws Exception {
    for (String path : new String[] {"/drain_listeners", "/healthcheck/fail", "/healthcheck/ok", "/reset_counters", "/quitquitquit"}) {
      var r = admin(dp, "GET", path);
      assertThat(r.statusCode()).as(path).isEqualTo(405);
      assertThat(r.body()).isEqualTo("Method GET not allowed, POST required.");
    }
    assertThat(admin(dp, "GET", "/ready").body()).isEqualTo("LIVE\n");
    assertThat(response(dp.port("inbound"))).startsWith("HTTP/1.1 200");
  }

  /** One request on a new connection; the raw response (read until close or 300 ms of silence). */
  private static String response(int port) throws IOException {
    return RawHttp.exchange(port, GET, 300);
  }

  private static void assertRefused(int port) {
    assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close()).isInstanceOf(ConnectException.class);
  }

  private static void assertRefusedWithin(int port, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        Thread.sleep(50);
      } catch (IOException e) {
        assertThat(e).isInstanceOf(ConnectException.class);
        return;
      }
    }
    throw new AssertionError("listener on port " + port + " still accepts after " + millis + " ms");
  }
}

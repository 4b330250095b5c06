package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static io.wasmplane.dataplane.xds.XdsFilterChainUpdateTest.h1;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * /drain_listeners?inboundonly on LDS listeners: the INBOUND ones stop, and later LDS adds and updates of INBOUND
 * listeners are ignored (Envoy: "listeners in the traffic direction are stopped") while OUTBOUND ones still apply.
 */
@Timeout(60)
class XdsDrainListenersTest {
  private final SmallAdsServer ads;
  private Dataplane dp;

  XdsDrainListenersTest() throws Exception {
    ads = new SmallAdsServer();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (dp != null) {
      dp.close();
    }
    ads.close();
  }

  private static Listener listener(String name, int port, TrafficDirection direction, String body) {
    return Listener.newBuilder().setName(name).setAddress(Resources.address(port)).setTrafficDirection(direction)
        .addFilterChains(XdsFilterChainUpdateTest.chain(name, "http/1.1", body).toBuilder().clearFilterChainMatch()).build();
  }

  @Test
  void inboundListenersStopAndLaterInboundUpdatesAreIgnored() throws Exception {
    int in = freePort();
    int out = freePort();
    int in2 = freePort();
    ads.set(EcdsWasmFilterTest.CDS);
    ads.set(EcdsWasmFilterTest.LDS, listener("in", in, TrafficDirection.INBOUND, "in-v1"),
        listener("out", out, TrafficDirection.OUTBOUND, "out-v1"));
    dp = Dataplane.start(BootstrapLoader.fromText(Resources.bootstrap("dp-1", "default", ads.port(), "GRPC", "5s"), "test"),
        Dataplane.Options.defaults().withConcurrency(1).withDrainTime(Duration.ofSeconds(1)));
    await("both listeners serve", () -> "in-v1".equals(h1(in)) && "out-v1".equals(h1(out)));

    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + dp.adminPort() + "/drain_listeners?inboundonly")).POST(HttpRequest.BodyPublishers.noBody())
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    await("the inbound listener stops", () -> h1(in) == null);

    ads.set(EcdsWasmFilterTest.LDS, listener("in", in, TrafficDirection.INBOUND, "in-v2"),
        listener("in2", in2, TrafficDirection.INBOUND, "in2-v1"), listener("out", out, TrafficDirection.OUTBOUND, "out-v2"));
    await("the outbound update applies", () -> "out-v2".equals(h1(out)));
    assertThat(h1(in)).isNull();
    assertThat(h1(in2)).isNull();
    assertThat(dp.server().listeners()).doesNotContainKey("in2");
  }
}

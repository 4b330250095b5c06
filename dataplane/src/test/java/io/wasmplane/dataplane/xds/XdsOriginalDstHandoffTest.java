package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.wasmplane.dataplane.Dataplane;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * LDS with an Istio-shaped virtual listener (use_original_dst, original_dst and proxy_protocol): an update that adds a
 * bind_to_port: false listener for a destination makes new connections to that destination go to it; removing it
 * again sends them back to the virtual listener's chain.
 */
@Timeout(60)
class XdsOriginalDstHandoffTest {
  static final String LDS = EcdsWasmFilterTest.LDS;
  static final String CDS = EcdsWasmFilterTest.CDS;

  SmallAdsServer ads = new SmallAdsServer();
  Dataplane dp;

  XdsOriginalDstHandoffTest() throws IOException {}

  @AfterEach
  void tearDown() throws Exception {
    if (dp != null) {
      dp.close();
    }
    ads.close();
  }

  static FilterChain answering(String body) {
    HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix(body)
        .setRouteConfig(XdsFilterChainUpdateTest.routes(body, body))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
    return FilterChain.newBuilder().setName(body)
        .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm))).build();
  }

  static Listener virtualInbound(int port) {
    return Listener.newBuilder().setName("virtualInbound").setAddress(Resources.address(port))
        .setUseOriginalDst(BoolValue.of(true))
        .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.original_dst")
            .setTypedConfig(Any.pack(OriginalDst.getDefaultInstance())))
        .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.proxy_protocol")
            .setTypedConfig(Any.pack(ProxyProtocol.getDefaultInstance())))
        .addFilterChains(answering("virtual")).build();
  }

  static Listener handedOff(String ip, int port, String body) {
    return Listener.newBuilder().setName(ip + "_" + port)
        .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port)))
        .setBindToPort(BoolValue.of(false)).addFilterChains(answering(body)).build();
  }

  /** The body answered to a connection that says it was for 10.0.0.5:9080; null when it failed. */
  static String toService(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(("PROXY TCP4 192.0.2.10 10.0.0.5 41000 9080\r\n"
          + "GET / HTTP/1.1\r\nHost: svc\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = s.getInputStream();
      String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      return all.startsWith("HTTP/1.1 200") ? all.substring(all.indexOf("\r\n\r\n") + 4) : null;
    } catch (IOException e) {
      return null;
    }
  }

  @Test
  void anLdsUpdateAddsAndRemovesAHandOffTarget() throws Exception {
    int port = freePort();
    ads.set(CDS);
    ads.set(LDS, virtualInbound(port));
    dp = Resources.startDataplane(Resources.bootstrap("dp-1", "default", ads.port(), "GRPC", "2s"), Duration.ofSeconds(5));
    await("the virtual listener serves", () -> "virtual".equals(toService(port)));

    ads.set(LDS, virtualInbound(port), handedOff("10.0.0.5", 9080, "service-9080"));
    await("the added listener gets the connections for its address", () -> "service-9080".equals(toService(port)));
    assertThat(dp.server().listeners()).containsKey("10.0.0.5_9080");
    assertThat(XdsDataplaneScenarios.counter(dp, "listener.10.0.0.5_9080.downstream_cx_total")).isPositive();

    ads.set(LDS, virtualInbound(port));
    await("removed: back to the virtual listener", () -> "virtual".equals(toService(port)));
    assertThat(dp.server().listeners()).doesNotContainKey("10.0.0.5_9080");

    // Two listeners on one address that bind nothing: the second is NACKed; the virtual listener keeps serving.
    Listener twin = handedOff("10.0.0.5", 9080, "twin").toBuilder().setName("twin").build();
    ads.set(LDS, virtualInbound(port), handedOff("10.0.0.5", 9080, "service-9080"), twin);
    await("NACK", () -> ads.nacks.stream().anyMatch(n -> n.startsWith(LDS) && n.contains("address 10.0.0.5:9080 is already used by listener")));
    assertThat(toService(port)).isIn("service-9080", "twin");
  }
}

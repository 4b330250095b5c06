package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.Resources.staticCluster;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.AsyncDataSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.filters.network.wasm.v3.Wasm;
import io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig;
import io.envoyproxy.envoy.extensions.wasm.v3.VmConfig;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.filters.network.wasm (plugins/c/c_tcp.c: upper-cases client lines, prefixes echoed bytes with "up:") before
 * envoy.filters.network.tcp_proxy, configured over ADS: an LDS update that changes the network chain, and the filter's
 * config over ECDS.
 */
@Timeout(90)
class XdsNetworkFilterTest {
  static final String LDS = EcdsWasmFilterTest.LDS;
  static final String CDS = EcdsWasmFilterTest.CDS;
  static final String ECDS = EcdsWasmFilterTest.ECDS;
  static final String NETWORK_WASM = "type.googleapis.com/" + Wasm.getDescriptor().getFullName();
  static final Path PLUGIN = Path.of(System.getProperty("wasmplane.plugins.dir", "../plugins/build"), "c", "c_tcp.wasm")
      .toAbsolutePath().normalize();

  SmallAdsServer ads;
  TcpEchoServer echo;
  Dataplane dp;

  @BeforeEach
  void setUp() throws Exception {
    assertTrue(Files.exists(PLUGIN), "build the plugins first (plugins/build.sh): " + PLUGIN);
    ads = new SmallAdsServer();
    echo = new TcpEchoServer();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (dp != null) {
      dp.close();
    }
    ads.close();
    echo.close();
  }

  static Wasm cTcp(String vmId) {
    return cTcp(vmId, "prefix=up:");
  }

  /** c_tcp with its plugin configuration ("prefix=<text>": what echoed bytes are prefixed with). */
  static Wasm cTcp(String vmId, String configuration) {
    return Wasm.newBuilder().setConfig(PluginConfig.newBuilder().setName("c_tcp").setRootId("c_tcp")
        .setConfiguration(Any.pack(com.google.protobuf.StringValue.of(configuration)))
        .setVmConfig(VmConfig.newBuilder().setVmId(vmId).setRuntime("envoy.wasm.runtime.v8")
            .setCode(AsyncDataSource.newBuilder().setLocal(DataSource.newBuilder().setFilename(PLUGIN.toString())))))
        .build();
  }

  static TypedExtensionConfig ecds(String configuration) {
    return TypedExtensionConfig.newBuilder().setName("c_tcp_ecds").setTypedConfig(Any.pack(cTcp("ecds", configuration))).build();
  }

  /** The Wasm network filter named c_tcp_ecds, configured over ECDS. */
  static Filter discovered(ExtensionConfigSource.Builder source) {
    return Filter.newBuilder().setName("c_tcp_ecds").setConfigDiscovery(source.setConfigSource(Resources.ads()).addTypeUrls(NETWORK_WASM))
        .build();
  }

  static Filter tcpProxy(String statPrefix) {
    return Filter.newBuilder().setName("envoy.filters.network.tcp_proxy")
        .setTypedConfig(Any.pack(TcpProxy.newBuilder().setStatPrefix(statPrefix).setCluster("echo").build())).build();
  }

  static Listener listener(int port, Filter... filters) {
    return Listener.newBuilder().setName("tcp").setAddress(Resources.address(port))
        .addFilterChains(FilterChain.newBuilder().addAllFilters(java.util.List.of(filters))).build();
  }

  void start(Duration drainTime) {
    dp = Resources.startDataplane(Resources.bootstrap("dp-1", "default", ads.port(), "GRPC", "2s"), drainTime);
  }

  static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    s.setSoTimeout(5000);
    return s;
  }

  /** Sends one line and reads the echo (through the proxy) until its newline. */
  static String roundTrip(Socket s, String line) throws IOException {
    s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    s.getOutputStream().flush();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    int b;
    while ((b = s.getInputStream().read()) >= 0) {
      got.write(b);
      if (b == '\n') {
        break;
      }
    }
    return got.toString(StandardCharsets.UTF_8);
  }

  /** The reply on a new connection, or null while the listener is not (yet) there. */
  static String fresh(int port, String line) {
    try (Socket s = connect(port)) {
      return roundTrip(s, line);
    } catch (IOException e) {
      return null;
    }
  }

  @Test
  void anLdsUpdateChangesTheNetworkChainForNewConnectionsWhileOldOnesKeepTheirsUntilDrained() throws Exception {
    int port = freePort();
    ads.set(CDS, staticCluster("echo", echo.port()));
    ads.set(LDS, listener(port, Filter.newBuilder().setName("envoy.filters.network.wasm").setTypedConfig(Any.pack(cTcp("v1"))).build(),
        tcpProxy("tcp_v1")));
    start(Duration.ofSeconds(2));
    await("the plugin's chain serves", () -> "up:HI\n".equals(fresh(port, "hi")));
    var manager = dp.server().wasmPlugins();

    try (Socket kept = connect(port); Socket drained = connect(port)) {
      assertEquals("up:ONE\n", roundTrip(kept, "one"));
      assertEquals("up:TWO\n", roundTrip(drained, "two"));
      var socket = dp.server().listeners().get("tcp").channel();

      // v2: the same listener without the Wasm filter. New connections get it; the socket stays bound.
      ads.set(LDS, listener(port, tcpProxy("tcp_v2")));
      await("new connections get the new chain", () -> "plain\n".equals(fresh(port, "plain")));
      assertTrue(socket == dp.server().listeners().get("tcp").channel() && socket.isActive(), "the listener socket was never unbound");
      assertEquals("up:STILL\n", roundTrip(kept, "still"), "an old connection keeps the chain it started with");
      assertEquals("up:THREE\n", roundTrip(drained, "three"));

      kept.close();
      Thread.sleep(200);
      assertTrue(manager.liveVms() >= 1, "one old connection still holds the old plugin version");
      // The drain time (2 s) ends the last old connection; its plugin version goes with it.
      drained.setSoTimeout(6000);
      assertEquals(-1, drained.getInputStream().read(), "the old connection is closed after the drain time");
      await("the old chain's VM is released", () -> manager.liveVms() == 0);
    }
    assertEquals("plain\n", fresh(port, "plain"));
    assertTrue(XdsDataplaneScenarios.counter(dp, "tcp.tcp_v2.downstream_cx_total") >= 2);
  }

  @Test
  void theNetworkWasmFilterComesOverEcdsAndSwapsForNewConnections() throws Exception {
    int port = freePort();
    ads.set(CDS, staticCluster("echo", echo.port()));
    ads.set(LDS, listener(port, discovered(ExtensionConfigSource.newBuilder()), tcpProxy("tcp_ecds")));
    ads.set(ECDS); // nothing yet: the listener warms
    start(Duration.ofSeconds(1));
    await("LDS accepted", () -> XdsDataplaneScenarios.counter(dp, "listener_manager.lds.update_success") >= 1);
    assertTrue(dp.server().listeners().isEmpty(), "warming until the network filter's config is there");

    ads.set(ECDS, ecds("prefix=v1:"));
    await("active with the ECDS config", () -> "v1:HI\n".equals(fresh(port, "hi")));
    assertEquals(1, XdsDataplaneScenarios.counter(dp, "extension_config_discovery.network_filter.c_tcp_ecds.config_reload"));

    try (Socket old = connect(port)) {
      assertEquals("v1:ONE\n", roundTrip(old, "one"));
      ads.set(ECDS, ecds("prefix=v2:"));
      await("new connections get the new config", () -> "v2:HI\n".equals(fresh(port, "hi")));
      assertEquals("v1:TWO\n", roundTrip(old, "two"), "a running connection keeps the version it started with");
    }
    assertEquals(2, XdsDataplaneScenarios.counter(dp, "extension_config_discovery.network_filter.c_tcp_ecds.config_reload"));

    // Not a network Wasm filter: NACKed naming the resource; v2 keeps serving.
    ads.set(ECDS, TypedExtensionConfig.newBuilder().setName("c_tcp_ecds").setTypedConfig(Any.pack(
        io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm.newBuilder().setConfig(cTcp("x").getConfig()).build())).build());
    await("NACK", () -> ads.nacks.stream().anyMatch(n -> n.startsWith(ECDS) && n.contains("c_tcp_ecds")));
    assertEquals(1, XdsDataplaneScenarios.counter(dp, "extension_config_discovery.network_filter.c_tcp_ecds.config_fail"));
    assertEquals("v2:HI\n", fresh(port, "hi"));
  }

  @Test
  void anUpdateWhoseCodeCannotBeFetchedIsNackedAndTheServingVersionStays() throws Exception {
    int port = freePort();
    int nothingListens = freePort();
    ads.set(CDS, staticCluster("echo", echo.port()), staticCluster("modules", nothingListens));
    ads.set(LDS, listener(port, discovered(ExtensionConfigSource.newBuilder()), tcpProxy("tcp_ecds")));
    ads.set(ECDS, ecds("prefix=v1:"));
    start(Duration.ofSeconds(1));
    await("active with v1", () -> "v1:HI\n".equals(fresh(port, "hi")));

    // v2's code is remote, from a cluster nobody answers on: as an update of a plugin that loaded it is NACKed
    // (a first version would have been accepted as a failed plugin, closing connections by its failure policy).
    String missing = "0".repeat(64);
    Wasm remote = cTcp("ecds", "prefix=v2:").toBuilder().setConfig(cTcp("ecds", "prefix=v2:").getConfig().toBuilder()
        .setVmConfig(cTcp("ecds", "prefix=v2:").getConfig().getVmConfig().toBuilder().setCode(AsyncDataSource.newBuilder()
            .setRemote(io.envoyproxy.envoy.config.core.v3.RemoteDataSource.newBuilder()
                .setHttpUri(io.envoyproxy.envoy.config.core.v3.HttpUri.newBuilder()
                    .setUri("http://127.0.0.1:" + nothingListens + "/c_tcp.wasm").setCluster("modules")
                    .setTimeout(com.google.protobuf.Duration.newBuilder().setNanos(500_000_000)))
                .setSha256(missing)))))
        .build();
    ads.set(ECDS, TypedExtensionConfig.newBuilder().setName("c_tcp_ecds").setTypedConfig(Any.pack(remote)).build());
    await("NACK", () -> ads.nacks.stream().anyMatch(n -> n.startsWith(ECDS) && n.contains("c_tcp_ecds")));
    assertEquals(1, XdsDataplaneScenarios.counter(dp, "extension_config_discovery.network_filter.c_tcp_ecds.config_fail"));
    for (int i = 0; i < 3; i++) {
      assertEquals("v1:HI\n", fresh(port, "hi"), "the serving plugin keeps serving new connections");
    }
  }

  @Test
  void aDefaultConfigServesWithoutWarmingAndWithoutAnyConfigConnectionsAreClosed() throws Exception {
    int port = freePort();
    int bare = freePort();
    ads.set(CDS, staticCluster("echo", echo.port()));
    Listener withDefault = listener(port, discovered(ExtensionConfigSource.newBuilder()
        .setDefaultConfig(Any.pack(cTcp("default", "prefix=default:"))).setApplyDefaultConfigWithoutWarming(true)), tcpProxy("tcp_default"));
    Listener without = listener(bare, Filter.newBuilder().setName("c_tcp_none").setConfigDiscovery(ExtensionConfigSource.newBuilder()
        .setConfigSource(Resources.ads()).addTypeUrls(NETWORK_WASM)).build(), tcpProxy("tcp_none")).toBuilder().setName("bare").build();
    ads.set(LDS, withDefault, without);
    ads.set(ECDS);
    start(Duration.ofSeconds(1)); // initial_fetch_timeout 2 s
    await("the default serves before ECDS has anything", () -> "default:HI\n".equals(fresh(port, "hi")));
    // c_tcp_none never arrives: after initial_fetch_timeout its listener goes active and closes every connection.
    await("listener without config active", () -> dp.server().listeners().containsKey("bare"));
    try (Socket s = connect(bare)) {
      int read;
      try {
        read = s.getInputStream().read();
      } catch (java.net.SocketException reset) {
        read = -1;
      }
      assertEquals(-1, read, "closed without a filter config");
    }
    assertEquals(0, XdsDataplaneScenarios.counter(dp, "tcp.tcp_none.downstream_cx_total"), "never reached the tcp_proxy");
    assertEquals(1, XdsDataplaneScenarios.counter(dp, "listener.127.0.0.1_" + bare + ".network_extension_config_missing"));
    ads.set(ECDS, ecds("prefix=v1:"));
    await("the ECDS config replaces the default", () -> "v1:HI\n".equals(fresh(port, "hi")));
  }
}

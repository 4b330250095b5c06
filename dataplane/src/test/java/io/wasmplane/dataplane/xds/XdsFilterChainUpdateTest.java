package io.wasmplane.dataplane.xds;

import static io.wasmplane.dataplane.testing.Ports.freePort;
import static io.wasmplane.dataplane.xds.XdsDataplaneScenarios.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.H2cClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A listener with two filter chains over LDS (chosen by the HTTP inspector: http/1.1 and h2c), then an LDS update that
 * changes only the h2c chain: Envoy's in-place filter chain update keeps the HTTP/1.1 chain's connections running and
 * drains only the h2c chain's.
 */
@Timeout(60)
class XdsFilterChainUpdateTest {
  static final String LDS = EcdsWasmFilterTest.LDS;
  static final String CDS = EcdsWasmFilterTest.CDS;

  SmallAdsServer ads;
  Dataplane dp;

  @BeforeEach
  void setUp() throws Exception {
    ads = new SmallAdsServer();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (dp != null) {
      dp.close();
    }
    ads.close();
  }

  static final String RDS = XdsDataplaneScenarios.RDS;

  /** A route configuration answering every request with {@code body}. */
  static RouteConfiguration routes(String name, String body) {
    return RouteConfiguration.newBuilder().setName(name).addVirtualHosts(VirtualHost.newBuilder().setName("all")
        .addDomains("*").addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
            .setDirectResponse(DirectResponseAction.newBuilder().setStatus(200)
                .setBody(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder().setInlineString(body))))).build();
  }

  static FilterChain chain(String name, String protocol, String body) {
    return chain(name, protocol, HttpConnectionManager.newBuilder().setStatPrefix(name).setRouteConfig(routes(name, body)));
  }

  /** A chain for one application protocol whose HCM takes its routes over RDS. */
  static FilterChain rdsChain(String name, String protocol, String routeName) {
    return chain(name, protocol, HttpConnectionManager.newBuilder().setStatPrefix(name).setRds(
        io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds.newBuilder().setRouteConfigName(routeName)
            .setConfigSource(Resources.ads())));
  }

  static FilterChain chain(String name, String protocol, HttpConnectionManager.Builder hcm) {
    hcm.addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())));
    return FilterChain.newBuilder().setName(name).setFilterChainMatch(FilterChainMatch.newBuilder().addApplicationProtocols(protocol))
        .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm.build())))
        .build();
  }

  static Listener listener(int port, String h2cBody) {
    return listener(port, chain("h1", "http/1.1", "h1-v1"), chain("h2c", "h2c", h2cBody));
  }

  static Listener listener(int port, FilterChain... chains) {
    return Listener.newBuilder().setName("web").setAddress(Resources.address(port))
        .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.http_inspector")
            .setTypedConfig(Any.pack(HttpInspector.getDefaultInstance())))
        .addAllFilterChains(java.util.List.of(chains))
        .build();
  }

  static String h1(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(5000);
      return exchange(s)[1];
    } catch (IOException e) {
      return null;
    }
  }

  @Test
  void eachChainFollowsItsOwnRouteConfigOverRds() throws Exception {
    int port = freePort();
    ads.set(CDS);
    ads.set(RDS, routes("r-h1", "h1-routes-v1"));
    ads.set(LDS, listener(port, rdsChain("h1", "http/1.1", "r-h1"), rdsChain("h2c", "h2c", "r-h2c")));
    dp = Resources.startDataplane(Resources.bootstrap("dp-1", "default", ads.port(), "GRPC", "5s"), Duration.ofSeconds(30));
    await("LDS accepted", () -> XdsDataplaneScenarios.counter(dp, "listener_manager.lds.update_success") >= 1);
    assertThat(dp.server().listeners()).as("warming until both chains' route configs are there").isEmpty();

    ads.set(RDS, routes("r-h1", "h1-routes-v1"), routes("r-h2c", "h2c-routes-v1"));
    await("both chains serve their own routes", () -> "h1-routes-v1".equals(h1(port)) && "h2c-routes-v1".equals(h2c(port)));
    ads.set(RDS, routes("r-h1", "h1-routes-v1"), routes("r-h2c", "h2c-routes-v2"));
    await("an RDS update reaches its chain", () -> "h2c-routes-v2".equals(h2c(port)));
    assertThat(h1(port)).isEqualTo("h1-routes-v1");
    assertThat(XdsDataplaneScenarios.counter(dp, "http.h2c.rds.r-h2c.update_success")).isGreaterThanOrEqualTo(2);
  }

  /** One keep-alive HTTP/1.1 exchange on {@code s}: the response head (lower case) and body. */
  static String[] exchange(Socket s) throws IOException {
    s.getOutputStream().write("GET / HTTP/1.1\r\nHost: web\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed after " + head);
      }
      head.write(b);
    }
    String h = head.toString(StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
    int at = h.indexOf("content-length:");
    int length = Integer.parseInt(h.substring(at + 15, h.indexOf("\r\n", at)).trim());
    return new String[] {h, new String(in.readNBytes(length), StandardCharsets.ISO_8859_1)};
  }

  static String h2c(int port) {
    try (H2cClient c = new H2cClient(port)) {
      return c.request("GET", "/", "web", null).get(5, TimeUnit.SECONDS).body();
    } catch (Exception e) {
      return null;
    }
  }

  @Test
  void anLdsUpdateOfOneChainDrainsOnlyThatChainsConnections() throws Exception {
    int port = freePort();
    ads.set(CDS);
    ads.set(LDS, listener(port, "h2c-v1"));
    dp = Resources.startDataplane(Resources.bootstrap("dp-1", "default", ads.port(), "GRPC", "2s"), Duration.ofSeconds(30));
    await("the h2c chain serves", () -> "h2c-v1".equals(h2c(port)));

    try (Socket h1 = new Socket(); H2cClient old = new H2cClient(port)) {
      h1.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      h1.setSoTimeout(5000);
      assertThat(exchange(h1)[1]).isEqualTo("h1-v1");
      assertThat(old.request("GET", "/", "web", null).get(5, TimeUnit.SECONDS).body()).isEqualTo("h2c-v1");

      ads.set(LDS, listener(port, "h2c-v2"));
      await("new h2c connections get the changed chain", () -> "h2c-v2".equals(h2c(port)));
      // The changed chain's connection was drained (GOAWAY, closed once idle); the unchanged chain's one was not.
      await("the old h2c connection is closed", () -> {
        try {
          old.request("GET", "/", "web", null).get(2, TimeUnit.SECONDS);
          return false;
        } catch (Exception e) {
          return true;
        }
      });
      for (int i = 0; i < 3; i++) {
        String[] r = exchange(h1);
        assertThat(r[1]).isEqualTo("h1-v1");
        assertThat(r[0]).as("not drained: no connection: close").doesNotContain("connection: close");
      }
    }
    assertThat(XdsDataplaneScenarios.counter(dp, "listener_manager.lds.update_success")).isGreaterThanOrEqualTo(2);

    // Two chains with the same match over LDS: NACKed naming both; the last good listener keeps serving.
    ads.set(LDS, listener(port, "h2c-v3").toBuilder().addFilterChains(chain("h2c-again", "h2c", "dup")).build());
    await("NACK", () -> ads.nacks.stream().anyMatch(n -> n.startsWith(LDS) && n.contains("'h2c' and 'h2c-again'")
        && n.contains("multiple filter chains with the same matching rules are defined")));
    assertThat(h2c(port)).isEqualTo("h2c-v2");
  }
}

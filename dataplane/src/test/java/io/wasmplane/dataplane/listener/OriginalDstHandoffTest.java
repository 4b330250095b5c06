package io.wasmplane.dataplane.listener;

import static io.wasmplane.dataplane.listener.ProxyProtocolTest.ascii;
import static io.wasmplane.dataplane.listener.ProxyProtocolTest.exchange;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An Istio-shaped sidecar through real sockets: a virtual listener with use_original_dst and the original_dst and
 * proxy_protocol listener filters hands each connection to the bind_to_port: false listener for its (restored)
 * destination (exact address first, then 0.0.0.0 with the port), whose own listener filters and chains then run; a
 * destination no listener has stays on the virtual listener's chain.
 */
@Timeout(60)
class OriginalDstHandoffTest {
  static final String GET = ProxyProtocolTest.GET;

  static final String PROXY_PROTOCOL = """
      - name: envoy.filters.listener.proxy_protocol
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol}
      """;
  static final String ORIGINAL_DST = """
      - name: envoy.filters.listener.original_dst
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst}
      """;

  /** A listener answering every request with {@code body}; {@code extra} is listener-level YAML. */
  static String listener(String name, String address, int port, String extra, String chains) {
    return """
        - name: %s
          address: {socket_address: {address: "%s", port_value: %d}}
        %s
          filter_chains:
        %s
        """.formatted(name, address, port, Bootstraps.indent(extra, 2), Bootstraps.indent(chains, 2));
  }

  static String chain(String body) {
    return FilterChainMatchTest.chain(body, null, null, body);
  }

  static String bootstrap(String listeners) {
    return """
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        static_resources:
          listeners:
        %s
        """.formatted(Bootstraps.indent(listeners, 2));
  }

  /** The sidecar's inbound side: virtualInbound plus the per-destination listeners it hands off to. */
  static String sidecar(boolean useOriginalDst, int virtualPort) {
    String virtual = listener("virtualInbound", "127.0.0.1", virtualPort,
        "use_original_dst: " + useOriginalDst + "\nlistener_filters_timeout: 2s\nlistener_filters:\n"
            + ORIGINAL_DST + PROXY_PROTOCOL,
        chain("virtual"));
    String exact = listener("10.0.0.5_9080", "10.0.0.5", 9080, "bind_to_port: false", chain("exact-9080"));
    String wildcard9080 = listener("0.0.0.0_9080", "0.0.0.0", 9080, "bind_to_port: false", chain("wildcard-9080"));
    // Its own listener filter (the HTTP inspector) runs on the handed-off connection and picks the chain.
    String wildcard8080 = listener("0.0.0.0_8080", "0.0.0.0", 8080, """
        bind_to_port: false
        listener_filters:
        - name: envoy.filters.listener.http_inspector
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector}
        """, FilterChainMatchTest.chain("http-8080", "{application_protocols: [http/1.1]}", null, "http-8080")
        + chain("other-8080"));
    return bootstrap(virtual + exact + wildcard9080 + wildcard8080);
  }

  static String to(String destination, int port) {
    return "PROXY TCP4 192.0.2.10 " + destination + " 41000 " + port + "\r\n" + GET;
  }

  static long counter(Dataplane dp, String name) {
    return dp.server().stats().snapshot().counter(name);
  }

  @Test
  void connectionsGoToTheListenerForTheirOriginalDestination() throws Exception {
    try (Dataplane dp = Bootstraps.start(sidecar(true, 0))) {
      int port = dp.port("virtualInbound");
      assertThat(exchange(port, ascii(to("10.0.0.5", 9080)), 10)).startsWith("HTTP/1.1 200").endsWith("exact-9080");
      assertThat(exchange(port, ascii(to("10.0.0.6", 9080)), 10)).endsWith("wildcard-9080");
      assertThat(exchange(port, ascii(to("10.0.0.6", 8080)), 10)).endsWith("http-8080");
      assertThat(exchange(port, ascii("PROXY TCP4 192.0.2.10 10.0.0.6 41000 8080\r\nnot http at all\r\n\r\n"), 10))
          .as("the 8080 listener's HTTP inspector found no HTTP: its other chain (which answers 400)")
          .startsWith("HTTP/1.1 400");
      assertThat(exchange(port, ascii(to("10.0.0.5", 7777)), 10)).as("no listener for the destination").endsWith("virtual");

      assertThat(counter(dp, "listener.10.0.0.5_9080.downstream_cx_total")).isEqualTo(1);
      assertThat(counter(dp, "listener.0.0.0.0_9080.downstream_cx_total")).isEqualTo(1);
      assertThat(counter(dp, "listener.0.0.0.0_8080.downstream_cx_total")).isEqualTo(2);
      assertThat(counter(dp, "http_inspector.http11_found")).isEqualTo(1);
      assertThat(counter(dp, "http_inspector.http_not_found")).isEqualTo(1);
      assertThat(counter(dp, "listener.127.0.0.1_" + port + ".downstream_cx_total")).isEqualTo(1);

      // Listeners that bind nothing are there for the admin pages all the same.
      String listeners = RawHttp.exchange(dp.adminPort(), "GET /listeners HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 5000);
      assertThat(listeners).contains("10.0.0.5_9080::10.0.0.5:9080").contains("0.0.0.0_8080::0.0.0.0:8080")
          .contains("virtualInbound::127.0.0.1:" + port);
      String dump = RawHttp.exchange(dp.adminPort(), "GET /config_dump HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 5000);
      assertThat(dump).contains("\"name\": \"0.0.0.0_9080\"").contains("\"bind_to_port\": false");
    }
  }

  @Test
  void withoutUseOriginalDstTheVirtualListenerKeepsTheConnection() throws Exception {
    try (Dataplane dp = Bootstraps.start(sidecar(false, 0))) {
      assertThat(exchange(dp.port("virtualInbound"), ascii(to("10.0.0.5", 9080)), 10)).endsWith("virtual");
      assertThat(counter(dp, "listener.10.0.0.5_9080.downstream_cx_total")).isZero();
    }
  }

  /**
   * Java cannot read SO_ORIGINAL_DST: without a PROXY header the destination is the socket's local address, which is
   * the virtual listener's own (exact match first), so the connection stays, though 0.0.0.0 has a listener on the port.
   */
  @Test
  void originalDstWithoutProxyProtocolIsTheSocketsLocalAddress() throws Exception {
    int port = Ports.freePort();
    String virtual = listener("virtualOutbound", "127.0.0.1", port, "use_original_dst: true\nlistener_filters:\n" + ORIGINAL_DST,
        chain("virtual"));
    String sameAddress = listener("0.0.0.0_" + port, "0.0.0.0", port, "bind_to_port: false", chain("wildcard"));
    try (Dataplane dp = Bootstraps.start(bootstrap(virtual + sameAddress))) {
      assertThat(RawHttp.exchange(port, GET, 5000)).endsWith("virtual");
      assertThat(counter(dp, "listener.0.0.0.0_" + port + ".downstream_cx_total")).isZero();
    }
  }

  @Test
  void twoListenersOnOneAddressAreRefused() {
    String a = listener("a", "10.0.0.5", 9080, "bind_to_port: false", chain("a"));
    String b = listener("b", "10.0.0.5", 9080, "bind_to_port: false", chain("b"));
    assertThatThrownBy(() -> Bootstraps.start(bootstrap(a + b))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener b: address 10.0.0.5:9080 is already used by listener a");
  }
}

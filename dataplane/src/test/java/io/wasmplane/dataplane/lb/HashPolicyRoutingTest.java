package io.wasmplane.dataplane.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Route hash policies onto RING_HASH / MAGLEV clusters of three real upstreams (each answering its own name in
 * x-upstream-name), and RANDOM, through real sockets: a key always reaches the same host, different keys spread;
 * a cookie policy with a ttl sets the cookie Envoy would; terminal stops the policy list.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class HashPolicyRoutingTest {
  private final TestUpstream[] up = new TestUpstream[3];
  private Dataplane dp;
  private final HttpClient client = Http.h1();
  /** Keys per spread check: all on one of three hosts by chance has probability 3 / 3^12. */
  private static final int KEYS = 12;

  static String cluster(String name, String policy, int... ports) {
    StringBuilder eps = new StringBuilder();
    for (int p : ports) {
      eps.append(eps.length() == 0 ? "" : ", ").append("{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ")
          .append(p).append("}}}}");
    }
    return """
          - name: %s
            connect_timeout: 1s
            type: STATIC
        %s
            load_assignment:
              cluster_name: %s
              endpoints: [{lb_endpoints: [%s]}]
        """.formatted(name, Bootstraps.indent(policy, 4), name, eps);
  }

  @BeforeAll
  void start() throws Exception {
    for (int i = 0; i < 3; i++) {
      up[i] = new TestUpstream("u" + i);
    }
    int[] ports = {up[0].port(), up[1].port(), up[2].port()};
    String clusters = cluster("ring", "lb_policy: RING_HASH", ports)
        + cluster("maglev", "lb_policy: MAGLEV\nmaglev_lb_config: {table_size: 1021}", ports)
        + cluster("murmur", "lb_policy: RING_HASH\nring_hash_lb_config: {minimum_ring_size: 64, maximum_ring_size: 4096, hash_function: MURMUR_HASH_2}", ports)
        + cluster("random", "lb_policy: RANDOM", ports);
    String routes = """
        - name: all
          domains: ["*"]
          routes:
          - match: {prefix: "/header"}
            route: {cluster: ring, hash_policy: [{header: {header_name: x-user}}]}
          - match: {prefix: "/maglev"}
            route: {cluster: maglev, hash_policy: [{header: {header_name: x-user}}]}
          - match: {prefix: "/murmur"}
            route: {cluster: murmur, hash_policy: [{header: {header_name: x-user}}]}
          - match: {prefix: "/cookie"}
            route: {cluster: ring, hash_policy: [{cookie: {name: sticky, ttl: 60s, path: /cookie, attributes: [{name: SameSite, value: Lax}]}}]}
          - match: {prefix: "/plaincookie"}
            route: {cluster: ring, hash_policy: [{cookie: {name: sticky}}]}
          - match: {prefix: "/ip"}
            route: {cluster: ring, hash_policy: [{connection_properties: {source_ip: true}}]}
          - match: {prefix: "/query"}
            route: {cluster: maglev, hash_policy: [{query_parameter: {name: user}}]}
          - match: {prefix: "/terminal"}
            route: {cluster: ring, hash_policy: [{header: {header_name: x-tenant}, terminal: true}, {header: {header_name: x-user}}]}
          - match: {prefix: "/random"}
            route: {cluster: random}
        """;
    Path log = Files.createTempFile("hash", ".log");
    dp = Bootstraps.start(Bootstraps.bootstrap(routes, null, clusters, log, null));
  }

  @AfterAll
  void stop() {
    dp.close();
    for (TestUpstream u : up) {
      u.close();
    }
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.port("ingress") + path))
        .timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r;
  }

  private String host(String path, String... headers) throws Exception {
    return get(path, headers).headers().firstValue("x-upstream-name").orElseThrow();
  }

  /** Each of {@code keys} asked twice: always one host per key; returns the hosts the keys reached. */
  private Set<String> stickyHosts(String path, String header, int keys) throws Exception {
    Set<String> used = new HashSet<>();
    for (int k = 0; k < keys; k++) {
      String first = host(path, header, "user-" + k);
      assertThat(host(path, header, "user-" + k)).as("key %d", k).isEqualTo(first);
      used.add(first);
    }
    return used;
  }

  @Test
  void sameHeaderSameHostAndKeysSpreadOverTheRing() throws Exception {
    assertThat(stickyHosts("/header", "x-user", KEYS)).hasSizeGreaterThan(1);
  }

  @Test
  void sameHeaderSameHostOnMaglev() throws Exception {
    assertThat(stickyHosts("/maglev", "x-user", KEYS)).hasSizeGreaterThan(1);
  }

  @Test
  void murmurHash2Ring() throws Exception {
    assertThat(stickyHosts("/murmur", "x-user", KEYS)).hasSizeGreaterThan(1);
  }

  @Test
  void queryParameterPicksTheHost() throws Exception {
    Set<String> used = new HashSet<>();
    for (int k = 0; k < KEYS; k++) {
      String first = host("/query?a=b&user=k" + k);
      assertThat(host("/query?user=k" + k + "&x=y")).isEqualTo(first); // only the parameter counts
      used.add(first);
    }
    assertThat(used).hasSizeGreaterThan(1);
  }

  @Test
  void sourceIpKeepsAClientOnOneHost() throws Exception {
    String first = host("/ip");
    for (int i = 0; i < 5; i++) {
      // A new connection each time: the client IP, not the connection, is the key.
      HttpClient fresh = Http.h1();
      HttpResponse<String> r = fresh.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.port("ingress") + "/ip"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.headers().firstValue("x-upstream-name")).contains(first);
    }
  }

  @Test
  void cookieWithTtlIsGeneratedAndThenSticks() throws Exception {
    HttpResponse<String> r = get("/cookie");
    String setCookie = r.headers().firstValue("set-cookie").orElseThrow();
    assertThat(setCookie).matches("sticky=\"[0-9a-f]{16}\"; Max-Age=60; Path=/cookie; SameSite=Lax; HttpOnly");
    String value = setCookie.substring("sticky=\"".length(), "sticky=\"".length() + 16);
    // The request that generated the cookie was routed by it: the same host as every later request carrying it.
    String first = r.headers().firstValue("x-upstream-name").orElseThrow();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> again = get("/cookie", "cookie", "other=1; sticky=" + value);
      assertThat(again.headers().firstValue("x-upstream-name")).contains(first);
      assertThat(again.headers().allValues("set-cookie")).isEmpty(); // present: nothing to set
    }
    // Other cookie values spread.
    Set<String> used = new HashSet<>();
    for (int k = 0; k < KEYS; k++) {
      String h = host("/cookie", "cookie", "sticky=\"v" + k + "\"");
      assertThat(host("/cookie", "cookie", "sticky=v" + k)).isEqualTo(h); // quotes are not part of the value
      used.add(h);
    }
    assertThat(used).hasSizeGreaterThan(1);
  }

  @Test
  void cookieWithoutTtlSetsNothingAndRequestsWithoutItGoAnywhere() throws Exception {
    Set<String> used = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = get("/plaincookie");
      assertThat(r.headers().allValues("set-cookie")).isEmpty();
      used.add(r.headers().firstValue("x-upstream-name").orElseThrow());
    }
    assertThat(used).as("no hash: random hosts, as Envoy").hasSizeGreaterThan(1);
  }

  @Test
  void terminalPolicyIgnoresTheRest() throws Exception {
    // With x-tenant present (terminal), x-user does not matter.
    String tenantHost = host("/terminal", "x-tenant", "t1", "x-user", "user-0");
    for (int k = 1; k < 6; k++) {
      assertThat(host("/terminal", "x-tenant", "t1", "x-user", "user-" + k)).isEqualTo(tenantHost);
    }
    // Without it, x-user decides, so users spread.
    assertThat(stickyHosts("/terminal", "x-user", KEYS)).hasSizeGreaterThan(1);
  }

  @Test
  void randomSpreads() throws Exception {
    Set<String> used = new HashSet<>();
    for (int i = 0; i < 60 && used.size() < 3; i++) {
      used.add(host("/random"));
    }
    assertThat(used).containsExactlyInAnyOrder("u0", "u1", "u2");
  }
}

package io.wasmplane.dataplane.health;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A data plane with one route to cluster "c", and what the health tests read from it: admin output and who served. */
final class HealthTestSupport {
  static final String ROUTES = """
      - name: all
        domains: ["*"]
        routes:
        - match: {prefix: "/"}
          route: {cluster: c}
      """;
  private static final HttpClient CLIENT = Http.h1();

  private HealthTestSupport() {}

  /** Cluster "c" (ROUND_ROBIN, STATIC) over 127.0.0.1 ports, with extra cluster YAML (health_checks, outlier_detection...). */
  static String cluster(String extra, int... ports) {
    return clusterWithPriorities(extra, ports); // one locality at priority 0, the proto's default
  }

  /** Cluster "c" as {@link #cluster}, with one locality per priority: {@code portsByPriority[p]} are the P=p hosts. */
  static String clusterWithPriorities(String extra, int[]... portsByPriority) {
    StringBuilder localities = new StringBuilder();
    for (int p = 0; p < portsByPriority.length; p++) {
      localities.append("      - priority: ").append(p).append("\n        lb_endpoints:\n");
      for (int port : portsByPriority[p]) {
        localities.append("        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ").append(port).append("}}}\n");
      }
    }
    return """
          - name: c
            connect_timeout: 1s
            type: STATIC
            lb_policy: ROUND_ROBIN
        %s
            load_assignment:
              cluster_name: c
              endpoints:
        %s""".formatted(Bootstraps.indent(extra, 4), localities);
  }

  /** The cluster YAML with a load_assignment {@code policy} (flow style, e.g. "{overprovisioning_factor: 100}"). */
  static String withLoadAssignmentPolicy(String clusterYaml, String policy) {
    return clusterYaml.replaceFirst("( *)cluster_name: c\n", "$1cluster_name: c\n$1policy: " + policy + "\n");
  }

  static Dataplane start(String clusters) {
    return Bootstraps.start(Bootstraps.bootstrap(ROUTES, null, clusters, Path.of("/dev/null"), null));
  }

  static HttpResponse<String> get(Dataplane dp, String path) throws Exception {
    return Http.get(CLIENT, "http://127.0.0.1:" + dp.port("ingress") + path);
  }

  /** Which upstream (x-upstream-name) served each of n requests; "status:NNN" when the proxy answered itself. */
  static List<String> servedBy(Dataplane dp, int n) throws Exception {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = get(dp, "/work");
      out.add(r.headers().firstValue("x-upstream-name").orElse("status:" + r.statusCode()));
    }
    return out;
  }

  static String admin(Dataplane dp, String path) throws Exception {
    return Http.get(CLIENT, "http://127.0.0.1:" + dp.adminPort() + path).body();
  }

  static long stat(Dataplane dp, String name) throws Exception {
    String body = admin(dp, "/stats");
    return body.lines().filter(l -> l.startsWith(name + ": ")).mapToLong(l -> Long.parseLong(l.substring(name.length() + 2)))
        .findFirst().orElseThrow(() -> new AssertionError("no stat " + name + " in\n" + body));
  }

  /** The health_flags line of a host of cluster c in /clusters. */
  static String healthFlags(Dataplane dp, int port) throws Exception {
    String prefix = "c::127.0.0.1:" + port + "::health_flags::";
    String body = admin(dp, "/clusters");
    return body.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).findFirst()
        .orElseThrow(() -> new AssertionError("no host " + port + " in\n" + body));
  }

  /**
   * How long (ms) host {@code port} stays ejected, at least: from the first admin answer that shows it ejected to the
   * sending of the last one that still did. Both ends err short, so a slow machine can't lengthen an ejection.
   */
  static long ejectionMillis(Dataplane dp, int port, long millis) throws Exception {
    long deadline = System.nanoTime() + millis * 1_000_000;
    long firstSeen = 0;
    long lastAsked = 0;
    while (System.nanoTime() < deadline) {
      long asked = System.nanoTime();
      boolean ejected = healthFlags(dp, port).equals("/failed_outlier_check");
      if (ejected) {
        firstSeen = firstSeen == 0 ? System.nanoTime() : firstSeen;
        lastAsked = asked;
      } else if (firstSeen != 0) {
        return Math.max(0, (lastAsked - firstSeen) / 1_000_000);
      }
      Thread.sleep(10);
    }
    throw new AssertionError("host " + port + (firstSeen == 0 ? " never ejected" : " still ejected") + " after " + millis + " ms");
  }

  /** Polls until the condition holds; fails after {@code millis}. */
  static void await(String what, long millis, Check check) throws Exception {
    Await.until(what, java.time.Duration.ofMillis(millis), check::ok);
  }


  interface Check {
    boolean ok() throws Exception;
  }
}

package io.wasmplane.integration.faults;

import static io.wasmplane.integration.Ports.freePort;

import io.wasmplane.integration.DataplaneProcess;
import io.wasmplane.integration.XdsCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Everything a fault or soak run needs, as separate processes on loopback where it matters: the packaged data plane
 * (ADS to the control-plane-stub process, optionally through a {@link TcpFaultProxy}), the stub serving a {@link
 * RolloutFile}, a {@link FaultyUpstream} behind the EDS cluster and a {@link FaultyModuleServer} behind the modules
 * cluster.
 */
public final class FaultRig implements AutoCloseable {
  /** Options of one rig. */
  public record Options(String apiType, boolean xdsThroughProxy, int concurrency, List<String> jvmOptions) {
    public static Options defaults(String apiType) {
      return new Options(apiType, false, 2, List.of("-Xmx512m"));
    }
  }

  public final FaultyUpstream upstream;
  public final FaultyModuleServer modules;
  public final RolloutFile rollout;
  public final StubProcess stub;
  public final TcpFaultProxy xdsProxy;
  public final DataplaneProcess dataplane;
  public final int admin;
  public final int listenerA;
  public final int listenerB;
  private final Path dir;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  public static FaultRig start(Options o) throws Exception {
    return new FaultRig(o);
  }

  private FaultRig(Options o) throws Exception {
    dir = Files.createTempDirectory("fault-rig");
    upstream = new FaultyUpstream();
    modules = new FaultyModuleServer();
    listenerA = freePort();
    listenerB = freePort();
    admin = freePort();
    rollout = new RolloutFile(dir.resolve("rollout.yaml"), modules.port(), listenerA, listenerB, upstream.port());
    rollout.release("stamp", new RolloutFile.Release("v1", addModule("assemblyscript/as_headers.wasm", "stamp", "v1"), "stamp=v1"));
    rollout.release("tag", new RolloutFile.Release("v1", addModule("c/c_bench.wasm", "tag", "v1"), "tag"));
    rollout.release("bench", new RolloutFile.Release("v1", addModule("c/c_bench.wasm", "bench", "v1"), "bench"));
    rollout.write();
    stub = StubProcess.start(rollout.path(), freePort(), freePort());
    xdsProxy = o.xdsThroughProxy() ? new TcpFaultProxy(stub.xdsPort()) : null;
    int xdsPort = xdsProxy != null ? xdsProxy.port() : stub.xdsPort();
    Path bootstrap = dir.resolve("bootstrap.yaml");
    Files.writeString(bootstrap, """
        node: {id: dp-1, cluster: faults}
        admin: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        dynamic_resources:
          ads_config: {api_type: %s, transport_api_version: V3, grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]}
          lds_config: {ads: {}, resource_api_version: V3}
          cds_config: {ads: {}, resource_api_version: V3}
        static_resources:
          clusters:
        %s
          - name: wasm_modules
            type: STATIC
            connect_timeout: 1s
            load_assignment:
              cluster_name: wasm_modules
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]
        """.formatted(admin, o.apiType(), XdsCluster.yaml(xdsPort), modules.port()));
    Files.createDirectories(dir.resolve("cache"));
    dataplane = DataplaneProcess.start(o.jvmOptions(), Map.of("WASMPLANE_WASM_CACHE_DIR", dir.resolve("cache").toString()),
        "-c", bootstrap.toString(), "--concurrency", "" + o.concurrency(), "-l", "info", "--drain-time-s", "5");
    dataplane.awaitReady(admin);
  }

  /**
   * Copies a built plugin into the rollout directory as {@code <plugin>_<label>.wasm} (a distinct variant per label,
   * so every label is new code to fetch), registers it with the module server, and returns the file name.
   */
  public String addModule(String built, String plugin, String label) throws IOException {
    Path src = DataplaneProcess.repoRoot().resolve(System.getProperty("wasmplane.plugins.dir", "plugins/build")).resolve(built);
    if (!Files.isRegularFile(src)) {
      throw new IllegalStateException(src + " is missing: run plugins/build.sh first");
    }
    byte[] bytes = FaultyModuleServer.variant(Files.readAllBytes(src), plugin + "-" + label);
    String name = plugin + "_" + label + ".wasm";
    Files.write(dir.resolve(name), bytes);
    modules.add(bytes);
    return name;
  }

  public String sha256Of(String moduleFile) throws IOException {
    return FaultyModuleServer.sha256(Files.readAllBytes(dir.resolve(moduleFile)));
  }

  public HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The admin /stats as name -> value (counters and gauges; histograms are left out). */
  public Map<String, Long> stats() throws IOException, InterruptedException {
    Map<String, Long> out = new TreeMap<>();
    for (String line : get(admin, "/stats").body().split("\n")) {
      int colon = line.lastIndexOf(": ");
      if (colon > 0) {
        try {
          out.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 2).trim()));
        } catch (NumberFormatException histogram) {
          // not a plain number
        }
      }
    }
    return out;
  }

  public long stat(String name) throws IOException, InterruptedException {
    return stats().getOrDefault(name, -1L);
  }

  /** Sockets the data plane process holds (Linux /proc), or -1. */
  public long osSockets() {
    return ProcStats.sockets(dataplane.pid());
  }

  /** OS threads of the data plane process (Linux /proc), or -1. */
  public long osThreads() {
    return ProcStats.threads(dataplane.pid());
  }

  /** Polls {@code condition} every 100 ms until it holds (bounded). */
  public void await(String what, long seconds, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (Boolean.TRUE.equals(condition.call())) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("timed out after " + seconds + " s waiting for " + what + (last == null ? "" : " (last error: " + last + ")")
        + "\n--- stub /status:\n" + safeStatus() + "\n--- data plane output (tail):\n" + tail(dataplane.output(), 60));
  }

  private String safeStatus() {
    try {
      return stub.isAlive() ? stub.status() : "(stub down)";
    } catch (Exception e) {
      return e.toString();
    }
  }

  static String tail(String text, int lines) {
    String[] all = text.split("\n");
    return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
  }

  @Override
  public void close() throws Exception {
    String keep = System.getProperty("faults.logs.dir");
    if (keep != null) { // keep the data plane's and the stub's output for a look after the run
      Path d = Files.createDirectories(Path.of(keep));
      Files.writeString(d.resolve("dataplane-" + dataplane.pid() + ".log"), dataplane.output());
      Files.writeString(d.resolve("stub-" + dataplane.pid() + ".log"), stub.output());
    }
    try {
      dataplane.close();
    } finally {
      try {
        stub.close();
      } finally {
        if (xdsProxy != null) {
          xdsProxy.close();
        }
        upstream.close();
        modules.close();
        try (Stream<Path> s = Files.walk(dir)) {
          s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }
}

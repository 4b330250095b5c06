package io.wasmplane.dataplane.admin;

import io.wasmplane.dataplane.network.Addresses;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import io.envoyproxy.envoy.admin.v3.ServerInfo;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.server.DataplaneServer;
import io.wasmplane.dataplane.server.DrainManager;
import io.wasmplane.dataplane.stats.HistogramSnapshot;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.dataplane.upstream.UpstreamHost;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.LoggerFactory;

/** Envoy's admin interface on its own thread (never on a worker event loop). */
public final class AdminServer implements AutoCloseable {
  public static final String VERSION = "wasmplane/0.1.0";

  private final DataplaneServer server;
  private final CommandLineOptions options;
  private final Runnable quit;
  private final HttpServer http;
  private final ExecutorService executor;

  private volatile DynamicConfigDump dynamicDump;

  /** xDS state for /config_dump. */
  public void dynamicConfigDump(DynamicConfigDump dump) {
    this.dynamicDump = dump;
  }

  public AdminServer(DataplaneServer server, InetSocketAddress address, CommandLineOptions options, Runnable quit) {
    this.server = server;
    this.options = options;
    this.quit = quit;
    try {
      this.http = HttpServer.create(address, 64);
    } catch (BindException e) {
      throw new ConfigException("admin.address: cannot bind " + address.getHostString() + ":" + address.getPort() + ": address already in use", e);
    } catch (IOException e) {
      throw new ConfigException("admin.address: cannot bind " + address + ": " + e.getMessage(), e);
    }
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "admin");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(executor);
    http.createContext("/", this::handle);
    http.start();
  }

  public int port() {
    return http.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      String path = ex.getRequestURI().getPath();
      Map<String, String> q = query(ex.getRequestURI().getRawQuery());
      boolean post = ex.getRequestMethod().equals("POST");
      if (AdminHelp.mutates(path) && !post) {
        // Envoy: every endpoint that changes the server's state takes POST only.
        postRequired(ex);
        return;
      }
      switch (path) {
        case "/ready" -> {
          DataplaneServer.State st = server.state();
          send(ex, st == DataplaneServer.State.LIVE ? 200 : 503, "text/plain", st.name() + "\n");
        }
        case "/server_info" -> send(ex, 200, "application/json", serverInfo());
        case "/stats" -> stats(ex, q);
        case "/stats/prometheus" -> {
          q.put("format", "prometheus");
          stats(ex, q);
        }
        case "/config_dump" -> configDump(ex, q);
        case "/clusters" -> {
          if ("json".equals(q.get("format"))) {
            send(ex, 200, "application/json", ConfigDumpBuilder.PRINTER.print(
                ClustersStatus.build(server.clusters().all(), staticClusters())));
          } else {
            send(ex, 200, "text/plain", clusters());
          }
        }
        case "/certs" -> send(ex, 200, "application/json", ConfigDumpBuilder.PRINTER.print(CertificatesDump.build(server)));
        case "/runtime" -> send(ex, 200, "application/json", RuntimeDump.json(server.config().bootstrap()));
        case "/hot_restart_version" -> send(ex, 200, "text/plain", "disabled\n");
        case "/help", "/" -> send(ex, 200, "text/plain", AdminHelp.text());
        case "/reset_counters" -> {
          server.stats().resetCounters();
          send(ex, 200, "text/plain", "OK\n");
        }
        case "/healthcheck/fail", "/healthcheck/ok" -> {
          server.failHealthCheck(path.endsWith("fail"));
          send(ex, 200, "text/plain", "OK\n");
        }
        case "/drain_listeners" -> drainListeners(ex, q);
        case "/memory" -> send(ex, 200, "application/json", "{\"allocated\": \"" + (Runtime.getRuntime().totalMemory()
            - Runtime.getRuntime().freeMemory()) + "\", \"heap_size\": \"" + Runtime.getRuntime().totalMemory() + "\"}\n");
        case "/listeners" -> {
          if ("json".equals(q.get("format"))) {
            send(ex, 200, "application/json", ConfigDumpBuilder.PRINTER.print(listenersStatus()));
          } else {
            send(ex, 200, "text/plain", listeners());
          }
        }
        case "/logging" -> logging(ex, q, post);
        case "/quitquitquit" -> {
          send(ex, 200, "text/plain", "OK\n");
          Thread t = new Thread(quit, "quitquitquit");
          t.setDaemon(false);
          t.start();
        }
        default -> send(ex, 404, "text/plain", "invalid path. " + AdminHelp.text());
      }
    } catch (RuntimeException e) {
      send(ex, 500, "text/plain", e + "\n");
    } finally {
      ex.close();
    }
  }

  /** Envoy's answer to a GET on an endpoint that changes the server's state. */
  private static void postRequired(HttpExchange ex) throws IOException {
    send(ex, 405, "text/plain", "Method " + ex.getRequestMethod() + " not allowed, POST required.");
  }

  /**
   * Envoy's /drain_listeners: all listeners or {@code inboundonly} ones ({@code traffic_direction: INBOUND}); stopped
   * now, or with {@code graceful} drained for --drain-time-s first; {@code skip_exit} (with graceful) leaves them
   * accepting after the drain. The admin listener is not among them.
   */
  private void drainListeners(HttpExchange ex, Map<String, String> q) throws IOException {
    boolean graceful = q.containsKey("graceful");
    boolean skipExit = q.containsKey("skip_exit");
    if (skipExit && !graceful) {
      send(ex, 400, "text/plain", "skip_exit requires graceful\n");
      return;
    }
    java.time.Duration drainTime = java.time.Duration.ofSeconds(options.getDrainTime().getSeconds(),
        options.getDrainTime().getNanos());
    server.drainListeners(q.containsKey("inboundonly") ? DrainManager.Scope.INBOUND : DrainManager.Scope.ALL, graceful, skipExit,
        drainTime);
    send(ex, 200, "text/plain", "OK\n");
  }

  private void configDump(HttpExchange ex, Map<String, String> q) throws IOException {
    Pattern nameRegex = null;
    if (q.containsKey("name_regex")) {
      try {
        nameRegex = Pattern.compile(q.get("name_regex"));
      } catch (PatternSyntaxException e) {
        send(ex, 400, "text/plain", "Error while parsing name_regex from " + q.get("name_regex") + ": " + e.getDescription() + "\n");
        return;
      }
    }
    io.envoyproxy.envoy.admin.v3.ConfigDump dump = ConfigDumpBuilder.dump(server.config().bootstrap(), server.startMillis(),
        dynamicDump, q.containsKey("include_eds") ? EndpointsDump.build(server.clusters().all(), staticClusters()) : null);
    try {
      dump = new ConfigDumpQuery(io.wasmplane.dataplane.config.EnvoyTypes.REGISTRY, java.util.Optional.ofNullable(q.get("resource")),
          java.util.Optional.ofNullable(q.get("mask")), java.util.Optional.ofNullable(nameRegex)).apply(dump);
    } catch (ConfigDumpQuery.Rejected e) {
      send(ex, e.status, "text/plain", e.getMessage() + "\n");
      return;
    } catch (IllegalArgumentException e) {
      send(ex, 400, "text/plain", "Invalid mask " + q.get("mask") + ": " + e.getMessage() + "\n");
      return;
    }
    send(ex, 200, "application/json", ConfigDumpBuilder.PRINTER.print(dump));
  }

  /** The bootstrap's cluster names: the others came from CDS. */
  private java.util.Set<String> staticClusters() {
    java.util.Set<String> names = new java.util.HashSet<>();
    server.config().bootstrap().getStaticResources().getClustersList().forEach(c -> names.add(c.getName()));
    return names;
  }

  private io.envoyproxy.envoy.admin.v3.Listeners listenersStatus() {
    io.envoyproxy.envoy.admin.v3.Listeners.Builder out = io.envoyproxy.envoy.admin.v3.Listeners.newBuilder();
    server.listeners().forEach((name, b) -> out.addListenerStatuses(io.envoyproxy.envoy.admin.v3.ListenerStatus.newBuilder()
        .setName(name).setLocalAddress(ClustersStatus.address(b.boundAddress()))));
    return out.build();
  }

  private void stats(HttpExchange ex, Map<String, String> q) throws IOException {
    Pattern filter = null;
    if (q.containsKey("filter")) {
      try {
        filter = Pattern.compile(q.get("filter"));
      } catch (PatternSyntaxException e) {
        send(ex, 400, "text/plain", "Invalid regex: " + e.getDescription() + "\n");
        return;
      }
    }
    boolean usedOnly = q.containsKey("usedonly");
    StatsRegistry.Snapshot snap = server.stats().snapshot();
    Map<String, HistogramSnapshot> histograms = new java.util.TreeMap<>();
    for (Map.Entry<String, HistogramSnapshot> e : snap.histograms().entrySet()) {
      if ((filter == null || filter.matcher(e.getKey()).find()) && (!usedOnly || e.getValue().used())) {
        histograms.put(e.getKey(), e.getValue());
      }
    }
    if ("prometheus".equals(q.get("format"))) {
      send(ex, 200, "text/plain; version=0.0.4", PrometheusFormat.render(new StatsRegistry.Snapshot(
          kept(snap.counters(), filter, usedOnly), kept(snap.gauges(), filter, usedOnly), histograms, Map.of()), server.stats().settings()));
      return;
    }
    Map<String, Long> all = new java.util.TreeMap<>();
    all.putAll(snap.counters());
    all.putAll(snap.gauges());
    if ("json".equals(q.get("format"))) {
      StringBuilder sb = new StringBuilder("{\"stats\":[");
      boolean first = true;
      for (Map.Entry<String, Long> e : all.entrySet()) {
        if ((filter != null && !filter.matcher(e.getKey()).find()) || (usedOnly && e.getValue() == 0)) {
          continue;
        }
        sb.append(first ? "" : ",").append("{\"name\":\"").append(e.getKey()).append("\",\"value\":").append(e.getValue()).append('}');
        first = false;
      }
      if (!histograms.isEmpty()) {
        sb.append(first ? "" : ",").append(HistogramText.json(histograms, snap.intervals()));
      }
      send(ex, 200, "application/json", sb.append("]}").toString());
      return;
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Long> e : all.entrySet()) {
      if ((filter != null && !filter.matcher(e.getKey()).find()) || (usedOnly && e.getValue() == 0)) {
        continue;
      }
      sb.append(e.getKey()).append(": ").append(e.getValue()).append('\n');
    }
    histograms.forEach((name, h) -> sb.append(name).append(": ")
        .append(HistogramText.summary(h, snap.intervals().get(name))).append('\n'));
    send(ex, 200, "text/plain", sb.toString());
  }

  /** The stats that pass {@code filter=} and {@code usedonly} (a counter or gauge is used once it is non-zero). */
  private static Map<String, Long> kept(Map<String, Long> stats, Pattern filter, boolean usedOnly) {
    Map<String, Long> out = new java.util.TreeMap<>();
    stats.forEach((k, v) -> {
      if ((filter == null || filter.matcher(k).find()) && (!usedOnly || v != 0)) {
        out.put(k, v);
      }
    });
    return out;
  }

  private String serverInfo() throws IOException {
    long uptime = (System.currentTimeMillis() - server.startMillis()) / 1000;
    ServerInfo.State st = switch (server.state()) {
      case LIVE -> ServerInfo.State.LIVE;
      case DRAINING -> ServerInfo.State.DRAINING;
      case PRE_INITIALIZING -> ServerInfo.State.PRE_INITIALIZING;
      case INITIALIZING -> ServerInfo.State.INITIALIZING;
    };
    ServerInfo info = ServerInfo.newBuilder()
        .setVersion(VERSION)
        .setState(st)
        .setHotRestartVersion("disabled")
        .setUptimeCurrentEpoch(com.google.protobuf.Duration.newBuilder().setSeconds(uptime))
        .setUptimeAllEpochs(com.google.protobuf.Duration.newBuilder().setSeconds(uptime))
        .setCommandLineOptions(options)
        .setNode(server.config().bootstrap().getNode().toBuilder()
            .setId(server.config().node().id()).setCluster(server.config().node().cluster()))
        .build();
    return JsonFormat.printer().print(info);
  }

  private String clusters() {
    StringBuilder sb = new StringBuilder();
    for (UpstreamCluster c : server.clusters().all()) {
      String n = c.config().name();
      var l = c.config().limits();
      sb.append(n).append("::observability_name::").append(n).append('\n');
      sb.append(n).append("::default_priority::max_connections::").append(l.maxConnections()).append('\n');
      sb.append(n).append("::default_priority::max_pending_requests::").append(l.maxPendingRequests()).append('\n');
      sb.append(n).append("::default_priority::max_requests::").append(l.maxRequests()).append('\n');
      sb.append(n).append("::added_via_api::false\n");
      for (UpstreamHost h : c.hosts()) {
        String p = n + "::" + h.addressString() + "::";
        sb.append(p).append("hostname::").append(h.hostname()).append('\n');
        sb.append(p).append("rq_active::").append(h.activeRequests()).append('\n');
        sb.append(p).append("health_flags::").append(h.health().describe()).append('\n');
        sb.append(p).append("weight::").append(h.weight()).append('\n');
        sb.append(p).append("region::").append(h.locality().region()).append('\n');
        sb.append(p).append("zone::").append(h.locality().zone()).append('\n');
        sb.append(p).append("sub_zone::").append(h.locality().subZone()).append('\n');
        sb.append(p).append("priority::").append(h.priority()).append('\n');
      }
    }
    return sb.toString();
  }

  private String listeners() {
    StringBuilder sb = new StringBuilder();
    server.listeners().forEach((name, b) -> {
      InetSocketAddress a = b.boundAddress();
      sb.append(name).append("::").append(Addresses.hostPort(a)).append('\n');
    });
    return sb.toString();
  }

  private void logging(HttpExchange ex, Map<String, String> q, boolean post) throws IOException {
    LoggerContext lc = (LoggerContext) LoggerFactory.getILoggerFactory();
    if (!q.isEmpty()) {
      if (!post) {
        postRequired(ex);
        return;
      }
      for (Map.Entry<String, String> e : q.entrySet()) {
        Level level = LogLevels.parse(e.getKey().equals("level") ? e.getValue() : e.getValue());
        if (level == null) {
          send(ex, 400, "text/plain", "unknown level " + e.getValue() + "\n");
          return;
        }
        String logger = e.getKey().equals("level") ? org.slf4j.Logger.ROOT_LOGGER_NAME : e.getKey();
        lc.getLogger(logger).setLevel(level);
        if (e.getKey().equals("level")) {
          lc.getLogger("io.wasmplane").setLevel(level);
        }
      }
    }
    StringBuilder sb = new StringBuilder("active loggers:\n");
    for (ch.qos.logback.classic.Logger l : lc.getLoggerList()) {
      if (l.getLevel() != null) {
        sb.append("  ").append(l.getName()).append(": ").append(l.getLevel().toString().toLowerCase(Locale.ROOT)).append('\n');
      }
    }
    send(ex, 200, "text/plain", sb.toString());
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> m = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return m;
    }
    for (String part : raw.split("&")) {
      int eq = part.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
      m.put(k, v);
    }
    return m;
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("content-type", type);
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      try (OutputStream os = ex.getResponseBody()) {
        os.write(b);
      }
    }
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
  }
}

package io.wasmplane.dataplane.admin;

import java.util.Map;
import java.util.TreeMap;

/** The endpoints this admin serves, with Envoy's descriptions, and which of them change the server (POST only). */
final class AdminHelp {
  private record Endpoint(String help, boolean mutates) {}

  private static final Map<String, Endpoint> ENDPOINTS = new TreeMap<>(Map.ofEntries(
      Map.entry("/", new Endpoint("Admin home page", false)),
      Map.entry("/certs", new Endpoint("print certs on machine", false)),
      Map.entry("/clusters", new Endpoint("upstream cluster status", false)),
      Map.entry("/config_dump", new Endpoint("dump current Envoy configs (experimental)", false)),
      Map.entry("/drain_listeners", new Endpoint("drain listeners", true)),
      Map.entry("/healthcheck/fail", new Endpoint("cause the server to fail health checks", true)),
      Map.entry("/healthcheck/ok", new Endpoint("cause the server to pass health checks", true)),
      Map.entry("/help", new Endpoint("print out list of admin commands", false)),
      Map.entry("/hot_restart_version", new Endpoint("print the hot restart compatibility version", false)),
      Map.entry("/init_dump", new Endpoint("print current Envoy init manager information (experimental)", false)),
      Map.entry("/listeners", new Endpoint("print listener info", false)),
      Map.entry("/logging", new Endpoint("query/change logging levels", false)),
      Map.entry("/memory", new Endpoint("print current allocation/heap usage", false)),
      Map.entry("/quitquitquit", new Endpoint("exit the server", true)),
      Map.entry("/ready", new Endpoint("print server state, return 200 if LIVE, otherwise return 503", false)),
      Map.entry("/reset_counters", new Endpoint("reset all counters to zero", true)),
      Map.entry("/runtime", new Endpoint("print runtime values", false)),
      Map.entry("/server_info", new Endpoint("print server version/status information", false)),
      Map.entry("/stats", new Endpoint("print server stats", false)),
      Map.entry("/stats/prometheus", new Endpoint("print server stats in prometheus format", false))));

  private AdminHelp() {}

  /** Envoy's /help text: "admin commands are:" then one line per endpoint. */
  static String text() {
    StringBuilder sb = new StringBuilder("admin commands are:\n");
    ENDPOINTS.forEach((path, e) -> sb.append("  ").append(path).append(e.mutates() ? " (POST)" : "").append(": ")
        .append(e.help()).append('\n'));
    return sb.toString();
  }

  /** Whether {@code path} changes the server's state, so takes POST only (/logging decides by its query). */
  static boolean mutates(String path) {
    Endpoint e = ENDPOINTS.get(path);
    return e != null && e.mutates();
  }
}

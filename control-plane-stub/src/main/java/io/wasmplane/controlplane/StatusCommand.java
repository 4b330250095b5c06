package io.wasmplane.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Fetches /status from a running stub and prints a node x plugin table and the xDS types' ACK/NACK state. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show which node runs which plugin version (from ACKs/NACKs) and the last NACKs.")
final class StatusCommand implements Callable<Integer> {
  @Option(names = "--http-port", defaultValue = "18080", description = "The stub's HTTP port.")
  int httpPort;

  @Option(names = "--host", defaultValue = "127.0.0.1")
  String host;

  @Option(names = "--json", description = "Print the raw JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI uri = URI.create("http://" + host + ":" + httpPort + "/status");
    HttpResponse<String> r;
    try {
      r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      System.err.println("status: cannot reach " + uri + ": " + e);
      return 1;
    }
    if (r.statusCode() != 200) {
      System.err.println("status: HTTP " + r.statusCode());
      return 1;
    }
    if (json) {
      System.out.println(r.body());
    } else {
      print(new ObjectMapper().readTree(r.body()), System.out);
    }
    return 0;
  }

  static void print(JsonNode s, PrintStream out) {
    out.printf("config %s, generation %d, loaded %s%n", s.path("config").asText(), s.path("generation").asLong(),
        s.path("loadedAt").asText());
    if (!s.path("lastError").isNull() && !s.path("lastError").isMissingNode()) {
      out.printf("LAST EDIT REJECTED (%s): %s%n", s.path("lastErrorAt").asText(), s.path("lastError").asText());
    }
    List<String[]> plugins = new ArrayList<>();
    plugins.add(new String[] {"NODE", "CLUSTER", "STREAMS", "PLUGIN", "RUNNING", "SENT", "REJECTED", "ERROR"});
    List<String[]> types = new ArrayList<>();
    types.add(new String[] {"NODE", "TYPE", "SENT", "ACKED", "NACKED", "LAST NACK"});
    for (JsonNode n : s.path("nodes")) {
      String id = n.path("id").asText();
      if (n.path("plugins").isEmpty()) {
        plugins.add(new String[] {id, n.path("cluster").asText(), n.path("streams").asText(), "-", "-", "-", "-",
            "-"});
      }
      for (JsonNode p : n.path("plugins")) {
        plugins.add(new String[] {id, n.path("cluster").asText(), n.path("streams").asText(),
            p.path("filter").asText(), text(p, "running"), text(p, "sent"), text(p, "rejected"),
            text(p, "rejectError")});
      }
      for (Map.Entry<String, JsonNode> t : n.path("types").properties()) {
        JsonNode v = t.getValue();
        types.add(new String[] {id, t.getKey(), text(v, "sentVersion"), text(v, "ackedVersion"),
            text(v, "nackedVersion"), text(v, "lastNackError")});
      }
    }
    table(plugins, out);
    out.println();
    table(types, out);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.isNull() || v.isMissingNode() ? "-" : v.asText();
  }

  private static void table(List<String[]> rows, PrintStream out) {
    int cols = rows.get(0).length;
    int[] w = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        w[i] = Math.min(60, Math.max(w[i], r[i].length()));
      }
    }
    for (String[] r : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        String c = i == cols - 1 ? r[i] : pad(r[i], w[i]);
        sb.append(c).append(i == cols - 1 ? "" : "  ");
      }
      out.println(sb.toString().stripTrailing());
    }
  }

  private static String pad(String s, int w) {
    String t = s.length() > w ? s.substring(0, w - 1) + "…" : s;
    return t + " ".repeat(w - t.length());
  }
}

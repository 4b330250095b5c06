package io.wasmplane.dataplane.admin;

import io.wasmplane.dataplane.stats.HistogramSnapshot;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** /stats/prometheus: Envoy's names with its main tag extractions (connection manager, cluster, listener, codes). */
final class PrometheusFormat {
  private static final Pattern HTTP = Pattern.compile("^http\\.([^.]+)\\.(.+)$");
  private static final Pattern CLUSTER = Pattern.compile("^cluster\\.([^.]+)\\.(.+)$");
  private static final Pattern LISTENER = Pattern.compile("^listener\\.([^.]+)\\.(.+)$");
  private static final Pattern CODE_CLASS = Pattern.compile("^(.*_rq)_([1-5])xx$");
  private static final Pattern CODE = Pattern.compile("^(.*_rq)_([1-5][0-9][0-9])$");

  private PrometheusFormat() {}

  static String render(StatsRegistry.Snapshot snap) {
    Map<String, Map<String, Long>> counters = new TreeMap<>();
    Map<String, Map<String, Long>> gauges = new TreeMap<>();
    snap.counters().forEach((k, v) -> add(counters, k, v));
    snap.gauges().forEach((k, v) -> add(gauges, k, v));
    Map<String, Map<String, HistogramSnapshot>> histograms = new TreeMap<>();
    snap.histograms().forEach((k, v) -> add(histograms, k, v));
    StringBuilder sb = new StringBuilder();
    write(sb, counters, "counter");
    write(sb, gauges, "gauge");
    writeHistograms(sb, histograms);
    return sb.toString();
  }

  /** Files the stat under its Prometheus metric name and its extracted tags (rendered as a label list). */
  private static <V> void add(Map<String, Map<String, V>> out, String name, V value) {
    Map<String, String> tags = new LinkedHashMap<>();
    String rest = name;
    String prefix = "";
    Matcher m;
    if ((m = HTTP.matcher(name)).matches()) {
      prefix = "http.";
      tags.put("envoy_http_conn_manager_prefix", m.group(1));
      rest = m.group(2);
    } else if ((m = CLUSTER.matcher(name)).matches()) {
      prefix = "cluster.";
      tags.put("envoy_cluster_name", m.group(1));
      rest = m.group(2);
    } else if ((m = LISTENER.matcher(name)).matches()) {
      prefix = "listener.";
      tags.put("envoy_listener_address", m.group(1));
      rest = m.group(2);
    }
    if ((m = CODE_CLASS.matcher(rest)).matches()) {
      tags.put("envoy_response_code_class", m.group(2));
      rest = m.group(1) + "_xx";
    } else if ((m = CODE.matcher(rest)).matches()) {
      tags.put("envoy_response_code", m.group(2));
      rest = m.group(1);
    }
    String metric = "envoy_" + sanitize(prefix + rest);
    StringBuilder labels = new StringBuilder();
    tags.forEach((k, v) -> {
      if (labels.length() > 0) {
        labels.append(',');
      }
      labels.append(k).append("=\"").append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    });
    out.computeIfAbsent(metric, x -> new TreeMap<>()).put(labels.toString(), value);
  }

  /** Envoy's histogram form: cumulative {@code _bucket} counts at its default bounds, then {@code _sum}, {@code _count}. */
  private static void writeHistograms(StringBuilder sb, Map<String, Map<String, HistogramSnapshot>> metrics) {
    metrics.forEach((metric, series) -> {
      sb.append("# TYPE ").append(metric).append(" histogram\n");
      series.forEach((labels, h) -> {
        String sep = labels.isEmpty() ? "" : ",";
        for (double bound : HistogramSnapshot.DEFAULT_BOUNDS) {
          sb.append(metric).append("_bucket{").append(labels).append(sep).append("le=\"")
              .append(HistogramText.number(bound)).append("\"} ").append(h.countAtOrBelow(bound)).append('\n');
        }
        sb.append(metric).append("_bucket{").append(labels).append(sep).append("le=\"+Inf\"} ").append(h.count())
            .append('\n');
        String braced = labels.isEmpty() ? "" : "{" + labels + "}";
        sb.append(metric).append("_sum").append(braced).append(' ').append(h.sum()).append('\n');
        sb.append(metric).append("_count").append(braced).append(' ').append(h.count()).append('\n');
      });
    });
  }

  private static void write(StringBuilder sb, Map<String, Map<String, Long>> metrics, String type) {
    metrics.forEach((metric, series) -> {
      sb.append("# TYPE ").append(metric).append(' ').append(type).append('\n');
      series.forEach((labels, v) -> {
        sb.append(metric);
        if (!labels.isEmpty()) {
          sb.append('{').append(labels).append('}');
        }
        sb.append(' ').append(v).append('\n');
      });
    });
  }

  private static String sanitize(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      b.append(Character.isLetterOrDigit(c) || c == '_' ? c : '_');
    }
    return b.toString();
  }
}

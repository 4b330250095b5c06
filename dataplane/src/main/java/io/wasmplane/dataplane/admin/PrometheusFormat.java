package io.wasmplane.dataplane.admin;

import io.wasmplane.dataplane.stats.HistogramSnapshot;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.dataplane.stats.StatsSettings;
import io.wasmplane.dataplane.stats.TagProducer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** /stats/prometheus: metrics named by Envoy's tag-extracted names, labelled with the tags stats_config's extractors find. */
final class PrometheusFormat {
  private PrometheusFormat() {}

  /** A histogram with the bucket bounds stats_config gives its name. */
  private record Series(HistogramSnapshot histogram, List<Double> bounds) {}

  static String render(StatsRegistry.Snapshot snap, StatsSettings settings) {
    TagProducer tagger = settings.tags();
    Map<String, Map<String, Long>> counters = new TreeMap<>();
    Map<String, Map<String, Long>> gauges = new TreeMap<>();
    snap.counters().forEach((k, v) -> add(counters, tagger, k, v));
    snap.gauges().forEach((k, v) -> add(gauges, tagger, k, v));
    Map<String, Map<String, Series>> histograms = new TreeMap<>();
    snap.histograms().forEach((k, v) -> add(histograms, tagger, k, new Series(v, settings.bucketsFor(k))));
    StringBuilder sb = new StringBuilder();
    write(sb, counters, "counter");
    write(sb, gauges, "gauge");
    writeHistograms(sb, histograms);
    return sb.toString();
  }

  /** Files the stat under its Prometheus metric name and its extracted tags (rendered as a label list). */
  private static <V> void add(Map<String, Map<String, V>> out, TagProducer tagger, String name, V value) {
    TagProducer.Tagged tagged = tagger.produce(name);
    String metric = "envoy_" + sanitize(tagged.name());
    Map<String, String> tags = tagged.tags();
    StringBuilder labels = new StringBuilder();
    tags.forEach((k, v) -> {
      if (labels.length() > 0) {
        labels.append(',');
      }
      labels.append(sanitize(k)).append("=\"").append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    });
    out.computeIfAbsent(metric, x -> new TreeMap<>()).put(labels.toString(), value);
  }

  /** Envoy's histogram form: cumulative {@code _bucket} counts at the histogram's bounds, then {@code _sum}, {@code _count}. */
  private static void writeHistograms(StringBuilder sb, Map<String, Map<String, Series>> metrics) {
    metrics.forEach((metric, series) -> {
      sb.append("# TYPE ").append(metric).append(" histogram\n");
      series.forEach((labels, s) -> {
        HistogramSnapshot h = s.histogram();
        String sep = labels.isEmpty() ? "" : ",";
        for (double bound : s.bounds()) {
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

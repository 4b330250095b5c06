package io.wasmplane.dataplane.admin;

import io.wasmplane.dataplane.stats.HistogramSnapshot;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiPredicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The selection part of Envoy's /stats parameters, parsed once per request: {@code filter=REGEX} (a name matches when
 * the regex is found in it), {@code usedonly} (counters and gauges written at least once, histograms with values) and
 * {@code type=All|Counters|Gauges|Histograms|TextReadouts} (there are no text readouts here).
 */
record StatsQuery(Pattern filter, boolean usedOnly, String type) {
  private static final java.util.List<String> TYPES = java.util.List.of("All", "Counters", "Gauges", "Histograms", "TextReadouts");

  /** @throws IllegalArgumentException with the message for a 400 answer */
  static StatsQuery parse(Map<String, String> q) {
    Pattern filter = null;
    if (q.containsKey("filter")) {
      try {
        filter = Pattern.compile(q.get("filter"));
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("Invalid regex: " + e.getDescription());
      }
    }
    String type = "All";
    if (q.containsKey("type")) {
      type = TYPES.stream().filter(t -> t.toLowerCase(Locale.ROOT).equals(q.get("type").toLowerCase(Locale.ROOT))).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("invalid &type= param: " + q.get("type") + " (one of " + TYPES + ")"));
    }
    return new StatsQuery(filter, q.containsKey("usedonly"), type);
  }

  /**
   * The stats of {@code snap} this query keeps (histogram intervals follow their histograms); {@code used} says whether
   * a counter or gauge was ever written (Envoy's flag).
   */
  StatsRegistry.Snapshot select(StatsRegistry.Snapshot snap, BiPredicate<String, Long> used) {
    Map<String, HistogramSnapshot> histograms = keep(snap.histograms(), type.equals("All") || type.equals("Histograms"),
        (k, h) -> h.used());
    Map<String, HistogramSnapshot> intervals = new TreeMap<>(snap.intervals());
    intervals.keySet().retainAll(histograms.keySet());
    return new StatsRegistry.Snapshot(keep(snap.counters(), type.equals("All") || type.equals("Counters"), used),
        keep(snap.gauges(), type.equals("All") || type.equals("Gauges"), used), histograms, intervals);
  }

  private <V> Map<String, V> keep(Map<String, V> stats, boolean typeWanted, BiPredicate<String, V> used) {
    Map<String, V> out = new TreeMap<>();
    if (typeWanted) {
      stats.forEach((k, v) -> {
        if ((filter == null || filter.matcher(k).find()) && (!usedOnly || used.test(k, v))) {
          out.put(k, v);
        }
      });
    }
    return out;
  }
}

package io.wasmplane.dataplane.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Named counters, gauges and histograms under Envoy's dotted names. Lookups happen when config is applied; the hot path keeps the
 * returned objects. Other components (e.g. the Wasm runtime's plugin metrics) plug in with {@link #addSource}.
 */
public final class StatsRegistry {
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Gauge> gauges = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Histogram> histograms = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LongSupplier> dynamicGauges = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, StatsSource> sources = new ConcurrentHashMap<>();
  private final StatsSettings settings;

  public StatsRegistry() {
    this(StatsSettings.DEFAULT);
  }

  public StatsRegistry(StatsSettings settings) {
    this.settings = settings;
  }

  /** The bootstrap's stats_config: the tag extractors readers such as /stats/prometheus apply. */
  public StatsSettings settings() {
    return settings;
  }

  /** Stats kept elsewhere (e.g. a plugin's metrics), read when a snapshot is taken. */
  public interface StatsSource {
    void collect(Map<String, Long> counters, Map<String, Long> gauges);

    /** /reset_counters: the source's counters back to zero (gauges keep their values). */
    void resetCounters();
  }

  public Counter counter(String name) {
    return counters.computeIfAbsent(name, n -> new Counter());
  }

  public Gauge gauge(String name) {
    return gauges.computeIfAbsent(name, n -> new Gauge());
  }

  public Histogram histogram(String name) {
    return histograms.computeIfAbsent(name, n -> new Histogram());
  }

  /** Envoy's /reset_counters: every counter back to zero, the registry's and its sources'. */
  public void resetCounters() {
    counters.values().forEach(Counter::reset);
    sources.values().forEach(StatsSource::resetCounters);
  }

  /**
   * Envoy's "used" flag for /stats?usedonly: a counter counted (a reset since included) or a gauge written at least
   * once; computed gauges always; a source's stat (a plugin's) when {@code value} is not zero.
   */
  public boolean used(String name, long value) {
    Counter c = counters.get(name);
    if (c != null) {
      return c.used();
    }
    Gauge g = gauges.get(name);
    if (g != null) {
      return g.used();
    }
    return dynamicGauges.containsKey(name) || value != 0;
  }

  /** Closes every histogram's flush interval (Envoy merges histograms at each stats flush). */
  public void flushHistograms() {
    histograms.values().forEach(Histogram::flush);
  }

  /** A gauge whose value is computed when read. */
  public void gauge(String name, LongSupplier supplier) {
    dynamicGauges.put(name, supplier);
  }

  public void addSource(String id, StatsSource source) {
    sources.put(id, source);
  }

  public void removeSource(String id) {
    sources.remove(id);
  }

  /**
   * A consistent-enough, sorted copy of every stat the stats_matcher accepts. Rejected stats still count (callers hold
   * them), but no reader (admin, sinks) ever sees them.
   */
  public Snapshot snapshot() {
    Map<String, Long> c = new TreeMap<>();
    Map<String, Long> g = new TreeMap<>();
    counters.forEach((k, v) -> c.put(k, v.value()));
    gauges.forEach((k, v) -> g.put(k, v.value()));
    dynamicGauges.forEach((k, v) -> g.put(k, v.getAsLong()));
    sources.values().forEach(s -> s.collect(c, g));
    Map<String, HistogramSnapshot> h = new TreeMap<>();
    Map<String, HistogramSnapshot> intervals = new TreeMap<>();
    histograms.forEach((k, v) -> {
      h.put(k, v.snapshot());
      intervals.put(k, v.interval());
    });
    var accepts = settings.accepts();
    c.keySet().removeIf(n -> !accepts.test(n));
    g.keySet().removeIf(n -> !accepts.test(n));
    h.keySet().removeIf(n -> !accepts.test(n));
    intervals.keySet().removeIf(n -> !accepts.test(n));
    return new Snapshot(c, g, h, intervals);
  }

  /** Histograms are cumulative; {@code intervals} holds each one's last completed flush interval. */
  public record Snapshot(Map<String, Long> counters, Map<String, Long> gauges,
      Map<String, HistogramSnapshot> histograms, Map<String, HistogramSnapshot> intervals) {
    public long counter(String name) {
      return counters.getOrDefault(name, 0L);
    }

    public long gauge(String name) {
      return gauges.getOrDefault(name, 0L);
    }
  }
}

package io.wasmplane.wasm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * Process-wide registry of plugin metrics ({@code proxy_define_metric}, {@code _increment_}, {@code _record_},
 * {@code _get_}). Defining the same name with the same type again (another VM, another worker) returns the same id,
 * so workers add into one metric, as Envoy's stats store does. Defining is rare and locks; increment, record and get
 * are lock-free (ids index a volatile array).
 *
 * <p>Semantics follow Envoy's wasm context: counters only go up (increment with a negative delta is BAD_ARGUMENT;
 * record raises the counter to the value if it is larger); gauges add on increment and are set on record;
 * histograms take values on record only (increment and get are BAD_ARGUMENT). An unknown id is NOT_FOUND.
 */
public final class PluginMetrics {
  public static final int DEFAULT_MAX_METRICS = 10_000;

  private final int maxMetrics;
  private final Map<String, Metric> byName = new HashMap<>(); // guarded by this
  private volatile Metric[] byId = new Metric[1]; // index 0 unused: ids start at 1
  private Function<String, LongConsumer> histogramSink; // guarded by this

  public PluginMetrics() {
    this(DEFAULT_MAX_METRICS);
  }

  public PluginMetrics(int maxMetrics) {
    this.maxMetrics = maxMetrics;
  }

  /**
   * The id of the metric (creating it on first use).
   *
   * @throws IllegalArgumentException when the name exists with another type, is empty, or the registry is full
   *     (the host answers BAD_ARGUMENT)
   */
  public synchronized int define(MetricType type, String name) {
    if (type == null || name == null || name.isEmpty()) {
      throw new IllegalArgumentException("metric needs a type and a non-empty name, got " + type + " '" + name + "'");
    }
    Metric existing = byName.get(name);
    if (existing != null) {
      if (existing.type != type) {
        throw new IllegalArgumentException(
            "metric '" + name + "' is already defined as a " + existing.type + ", not a " + type);
      }
      return existing.id;
    }
    Metric[] ids = byId;
    if (ids.length - 1 >= maxMetrics) {
      throw new IllegalArgumentException("metric '" + name + "': the limit of " + maxMetrics + " metrics is reached");
    }
    Metric created = new Metric(ids.length, type, name);
    if (type == MetricType.HISTOGRAM && histogramSink != null) {
      created.sink = histogramSink.apply(name);
    }
    Metric[] grown = Arrays.copyOf(ids, ids.length + 1);
    grown[created.id] = created;
    byName.put(name, created);
    byId = grown;
    return created.id;
  }

  /**
   * Hands each histogram's recorded values (negatives as 0) also to the recorder {@code sink} returns for its name, so
   * the host can keep them in its own stats store. Applies to histograms defined before and after this call.
   */
  public synchronized void histogramSink(Function<String, LongConsumer> sink) {
    this.histogramSink = sink;
    for (Metric m : byName.values()) {
      if (m.type == MetricType.HISTOGRAM) {
        m.sink = sink.apply(m.name);
      }
    }
  }

  /** The type of a defined metric, or null for an unknown id. */
  public MetricType typeOf(int id) {
    Metric m = lookup(id);
    return m == null ? null : m.type;
  }

  public Status increment(int id, long delta) {
    Metric m = lookup(id);
    if (m == null) {
      return Status.NOT_FOUND;
    }
    switch (m.type) {
      case COUNTER:
        if (delta < 0) {
          return Status.BAD_ARGUMENT;
        }
        m.value.addAndGet(delta);
        return Status.OK;
      case GAUGE:
        m.value.addAndGet(delta);
        return Status.OK;
      default:
        return Status.BAD_ARGUMENT;
    }
  }

  public Status record(int id, long value) {
    Metric m = lookup(id);
    if (m == null) {
      return Status.NOT_FOUND;
    }
    switch (m.type) {
      case COUNTER:
        m.value.accumulateAndGet(value, Math::max);
        return Status.OK;
      case GAUGE:
        m.value.set(value);
        return Status.OK;
      default:
        m.histogram.record(value);
        LongConsumer sink = m.sink;
        if (sink != null) {
          sink.accept(Math.max(0, value));
        }
        return Status.OK;
    }
  }

  /** A counter's or gauge's value; empty for an unknown id or a histogram (see {@link #typeOf}). */
  public OptionalLong get(int id) {
    Metric m = lookup(id);
    if (m == null || m.type == MetricType.HISTOGRAM) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(m.value.get());
  }

  /**
   * Envoy's /reset_counters: every counter back to zero; gauges and histograms keep their values. An increment racing
   * with it may be lost, as in Envoy.
   */
  public void resetCounters() {
    Metric[] ids = byId;
    for (int i = 1; i < ids.length; i++) {
      if (ids[i].type == MetricType.COUNTER) {
        ids[i].value.set(0);
      }
    }
  }

  /** Every metric, sorted by name, as immutable values. */
  public List<MetricValue> snapshot() {
    Metric[] ids = byId;
    List<MetricValue> out = new ArrayList<>(ids.length);
    for (int i = 1; i < ids.length; i++) {
      Metric m = ids[i];
      out.add(m.type == MetricType.HISTOGRAM ? m.histogram.snapshot(m.name)
          : MetricValue.scalar(m.name, m.type, m.value.get()));
    }
    out.sort(Comparator.comparing(MetricValue::name));
    return List.copyOf(out);
  }

  private Metric lookup(int id) {
    Metric[] ids = byId;
    return id > 0 && id < ids.length ? ids[id] : null;
  }

  private static final class Metric {
    final int id;
    final MetricType type;
    final String name;
    final AtomicLong value = new AtomicLong();
    final LogHistogram histogram;
    volatile LongConsumer sink;

    Metric(int id, MetricType type, String name) {
      this.id = id;
      this.type = type;
      this.name = name;
      this.histogram = type == MetricType.HISTOGRAM ? new LogHistogram() : null;
    }
  }

  /**
   * Log-linear buckets over non-negative longs: values below 16 get a bucket each; above, each power of two is split
   * into 16 sub-buckets, so a bucket's width is at most 1/16 of its lower bound. Negative values count as 0, as
   * Envoy's histograms are unsigned.
   */
  static final class LogHistogram {
    private static final int SUB_BITS = 4;
    private static final int SUB = 1 << SUB_BITS;
    private static final int BUCKETS = (64 - SUB_BITS) * SUB + SUB;

    private final AtomicLongArray buckets = new AtomicLongArray(BUCKETS); // the count is their sum
    private final LongAdder sum = new LongAdder();
    private final AtomicLong max = new AtomicLong();

    void record(long value) {
      long v = Math.max(0, value);
      buckets.incrementAndGet(index(v));
      sum.add(v);
      if (v > max.get()) { // a write only when the maximum moves
        max.accumulateAndGet(v, Math::max);
      }
    }

    static int index(long v) {
      if (v < SUB) {
        return (int) v;
      }
      int exp = 63 - Long.numberOfLeadingZeros(v); // >= SUB_BITS
      int sub = (int) ((v >>> (exp - SUB_BITS)) & (SUB - 1));
      return (exp - SUB_BITS + 1) * SUB + sub;
    }

    /** The largest value that falls into bucket {@code index}. */
    static long upperBound(int index) {
      if (index < SUB) {
        return index;
      }
      int exp = index / SUB - 1 + SUB_BITS;
      long sub = index % SUB;
      long lower = (1L << exp) + (sub << (exp - SUB_BITS));
      long width = 1L << (exp - SUB_BITS);
      long upper = lower + width - 1;
      return upper < lower ? Long.MAX_VALUE : upper; // the top bucket overflows
    }

    MetricValue snapshot(String name) {
      long[] counts = new long[BUCKETS];
      long total = 0;
      for (int i = 0; i < BUCKETS; i++) {
        counts[i] = buckets.get(i);
        total += counts[i];
      }
      long top = max.get();
      return new MetricValue(name, MetricType.HISTOGRAM, 0, total, sum.sum(),
          quantile(counts, total, 0.50, top), quantile(counts, total, 0.90, top), quantile(counts, total, 0.99, top),
          top);
    }

    private static long quantile(long[] counts, long total, double q, long max) {
      if (total == 0) {
        return 0;
      }
      long rank = (long) Math.ceil(q * total);
      long seen = 0;
      for (int i = 0; i < counts.length; i++) {
        seen += counts[i];
        if (seen >= rank) {
          return Math.min(upperBound(i), max);
        }
      }
      return max;
    }
  }
}

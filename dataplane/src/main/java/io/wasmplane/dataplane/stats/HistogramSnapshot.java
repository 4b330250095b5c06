package io.wasmplane.dataplane.stats;

/** A histogram's merged bucket counts at one moment: count, sum, quantiles and cumulative counts at bounds. */
public final class HistogramSnapshot {
  /** Envoy's default histogram bucket bounds (Prometheus {@code le} values). */
  public static final double[] DEFAULT_BOUNDS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000,
      60000, 300000, 600000, 1800000, 3600000};
  /** The quantiles Envoy's admin prints, as fractions. */
  public static final double[] SUPPORTED_QUANTILES = {0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1};

  static final HistogramSnapshot EMPTY = new HistogramSnapshot(new long[0], 0);

  private final long[] counts; // trimmed after the last non-empty bucket
  private final long count;
  private final long sum;

  HistogramSnapshot(long[] counts, long sum) {
    int used = counts.length;
    while (used > 0 && counts[used - 1] == 0) {
      used--;
    }
    this.counts = used == counts.length ? counts : java.util.Arrays.copyOf(counts, used);
    long total = 0;
    for (long c : this.counts) {
      total += c;
    }
    this.count = total;
    this.sum = sum;
  }

  public long count() {
    return count;
  }

  public long sum() {
    return sum;
  }

  /** Whether any value was recorded (Envoy's "used"). */
  public boolean used() {
    return count > 0;
  }

  /**
   * The approximate q-quantile (0..1), interpolating linearly inside a bucket; NaN when nothing was recorded. Values up
   * to 100 are exact.
   */
  public double quantile(double q) {
    if (count == 0) {
      return Double.NaN;
    }
    double rank = q * count;
    long before = 0;
    int last = 0;
    for (int i = 0; i < counts.length; i++) {
      long c = counts[i];
      if (c == 0) {
        continue;
      }
      last = i;
      if (before + c >= rank) {
        double lo = Buckets.lower(i);
        return lo + (rank - before) / c * (Buckets.upper(i) - lo);
      }
      before += c;
    }
    return Buckets.upper(last);
  }

  /** What was recorded between {@code earlier} (a snapshot of the same histogram) and this one. */
  HistogramSnapshot minus(HistogramSnapshot earlier) {
    long[] diff = counts.clone();
    for (int i = 0; i < Math.min(diff.length, earlier.counts.length); i++) {
      diff[i] -= earlier.counts[i];
    }
    return new HistogramSnapshot(diff, sum - earlier.sum);
  }

  /** How many values were at most {@code bound} (exact when the bound has two significant digits, as Envoy's do). */
  public long countAtOrBelow(double bound) {
    long n = 0;
    for (int i = 0; i < counts.length && Buckets.upper(i) <= bound; i++) {
      n += counts[i];
    }
    return n;
  }
}

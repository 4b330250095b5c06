package io.wasmplane.wasm;

/**
 * One plugin metric as the admin {@code /stats} shows it. Counters and gauges carry {@code value}; histograms carry
 * {@code count}, {@code sum} and quantiles estimated from log buckets (within about 6% of the true sample), with
 * {@code value} 0. Quantiles are 0 for an empty histogram.
 */
public record MetricValue(
    String name, MetricType type, long value, long count, long sum, long p50, long p90, long p99, long max) {

  static MetricValue scalar(String name, MetricType type, long value) {
    return new MetricValue(name, type, value, 0, 0, 0, 0, 0, 0);
  }
}

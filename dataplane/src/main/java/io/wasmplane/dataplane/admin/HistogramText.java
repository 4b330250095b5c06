package io.wasmplane.dataplane.admin;

import io.wasmplane.dataplane.stats.HistogramSnapshot;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Map;

/**
 * Envoy's admin forms of a histogram: the text quantile summary ({@code P0(interval,cumulative) ...}) and the JSON
 * {@code histograms} block. The interval value is the last completed stats flush interval's (nan, JSON null, when it
 * had no samples); the cumulative value is live.
 */
final class HistogramText {
  private HistogramText() {}

  /** {@code P0(1,1) P25(nan,2.05) ... P100(nan,10)}, or Envoy's {@code No recorded values}. */
  static String summary(HistogramSnapshot h, HistogramSnapshot interval) {
    if (!h.used()) {
      return "No recorded values";
    }
    StringBuilder sb = new StringBuilder();
    for (double q : HistogramSnapshot.SUPPORTED_QUANTILES) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append('P').append(number(q * 100)).append('(').append(quantile(interval, q)).append(',')
          .append(number(h.quantile(q))).append(')');
    }
    return sb.toString();
  }

  /** The JSON {@code {"histograms":{...}}} element Envoy appends to the {@code stats} array. */
  static String json(Map<String, HistogramSnapshot> histograms, Map<String, HistogramSnapshot> intervals) {
    StringBuilder sb = new StringBuilder("{\"histograms\":{\"supported_quantiles\":[");
    double[] qs = HistogramSnapshot.SUPPORTED_QUANTILES;
    for (int i = 0; i < qs.length; i++) {
      sb.append(i == 0 ? "" : ",").append(number(qs[i] * 100));
    }
    sb.append("],\"computed_quantiles\":[");
    boolean first = true;
    for (Map.Entry<String, HistogramSnapshot> e : histograms.entrySet()) {
      sb.append(first ? "" : ",").append("{\"name\":\"").append(e.getKey()).append("\",\"values\":[");
      first = false;
      HistogramSnapshot h = e.getValue();
      HistogramSnapshot interval = intervals.get(e.getKey());
      for (int i = 0; i < qs.length; i++) {
        String iv = quantile(interval, qs[i]);
        String v = h.used() ? number(h.quantile(qs[i])) : "null";
        sb.append(i == 0 ? "" : ",").append("{\"interval\":").append(iv.equals("nan") ? "null" : iv)
            .append(",\"cumulative\":").append(v).append('}');
      }
      sb.append("]}");
    }
    return sb.append("]}}").toString();
  }

  private static String quantile(HistogramSnapshot h, double q) {
    return h == null || !h.used() ? "nan" : number(h.quantile(q));
  }

  /** A number the way Envoy prints one: no trailing zeros, no exponent, "nan" for NaN. */
  static String number(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    return new BigDecimal(d).round(new MathContext(10)).stripTrailingZeros().toPlainString();
  }
}

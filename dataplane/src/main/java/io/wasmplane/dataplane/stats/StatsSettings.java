package io.wasmplane.dataplane.stats;

import java.util.List;
import java.util.function.Predicate;

/**
 * Envoy's bootstrap {@code stats_config}, parsed: which stats exist for readers (admin output, sinks) and how their names
 * break into Prometheus tags.
 */
public record StatsSettings(Predicate<String> accepts, TagProducer tags, List<BucketRule> bucketRules) {
  public static final StatsSettings DEFAULT = new StatsSettings(n -> true, TagProducer.ENVOY_DEFAULT, List.of());

  /** One {@code histogram_bucket_settings} entry: histograms whose name matches get these upper bounds, ascending. */
  public record BucketRule(Predicate<String> match, List<Double> bounds) {
    public BucketRule {
      bounds = bounds.stream().sorted().toList();
    }
  }

  public StatsSettings {
    bucketRules = List.copyOf(bucketRules);
  }

  /** Custom extractors first; then Envoy's defaults (those whose name no custom one takes) when {@code useDefaults}. */
  public static StatsSettings of(Predicate<String> accepts, List<TagExtractor> custom, boolean useDefaults,
      List<BucketRule> bucketRules) {
    return new StatsSettings(accepts, new TagProducer(TagProducer.merged(custom, useDefaults)), bucketRules);
  }

  private static final List<Double> DEFAULT_BOUNDS =
      java.util.Arrays.stream(HistogramSnapshot.DEFAULT_BOUNDS).boxed().toList();

  /** The Prometheus bucket bounds of a histogram: the first matching rule's (as Envoy applies them), else Envoy's defaults. */
  public List<Double> bucketsFor(String histogram) {
    for (BucketRule r : bucketRules) {
      if (r.match().test(histogram)) {
        return r.bounds();
      }
    }
    return DEFAULT_BOUNDS;
  }
}

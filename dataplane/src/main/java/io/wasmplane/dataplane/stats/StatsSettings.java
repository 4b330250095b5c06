package io.wasmplane.dataplane.stats;

import java.util.List;
import java.util.function.Predicate;

/**
 * Envoy's bootstrap {@code stats_config}, parsed: which stats exist for readers (admin output, sinks) and how their names
 * break into Prometheus tags.
 */
public record StatsSettings(Predicate<String> accepts, TagProducer tags) {
  public static final StatsSettings DEFAULT = new StatsSettings(n -> true, TagProducer.ENVOY_DEFAULT);

  /** Custom extractors first; then Envoy's defaults (those whose name no custom one takes) when {@code useDefaults}. */
  public static StatsSettings of(Predicate<String> accepts, List<TagExtractor> custom, boolean useDefaults) {
    return new StatsSettings(accepts, new TagProducer(TagProducer.merged(custom, useDefaults)));
  }
}

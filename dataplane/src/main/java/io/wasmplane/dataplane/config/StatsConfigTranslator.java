package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.metrics.v3.HistogramBucketSettings;
import io.envoyproxy.envoy.config.metrics.v3.StatsConfig;
import io.envoyproxy.envoy.config.metrics.v3.StatsMatcher;
import io.envoyproxy.envoy.config.metrics.v3.TagSpecifier;
import io.envoyproxy.envoy.type.matcher.v3.ListStringMatcher;
import io.wasmplane.dataplane.stats.StatsSettings;
import io.wasmplane.dataplane.stats.TagExtractor;
import io.wasmplane.dataplane.stats.TagProducer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/** Envoy's bootstrap {@code stats_config} (envoy.config.metrics.v3.StatsConfig) into {@link StatsSettings}. */
final class StatsConfigTranslator {
  private static final String WHERE = "bootstrap.stats_config";

  private StatsConfigTranslator() {}

  static StatsSettings translate(Bootstrap b) {
    if (!b.hasStatsConfig()) {
      return StatsSettings.DEFAULT;
    }
    StatsConfig sc = b.getStatsConfig();
    FieldGuard.onlySupported(sc, WHERE, Set.of("stats_tags", "use_all_default_tags", "stats_matcher", "histogram_bucket_settings"));
    boolean useDefaults = !sc.hasUseAllDefaultTags() || sc.getUseAllDefaultTags().getValue();
    List<TagExtractor> custom = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < sc.getStatsTagsCount(); i++) {
      TagExtractor t = tag(sc.getStatsTags(i), WHERE + ".stats_tags[" + i + "]");
      if (!names.add(t.name())) {
        throw new ConfigException(WHERE + ".stats_tags[" + i + "].tag_name: duplicate tag name '" + t.name() + "'");
      }
      custom.add(t);
    }
    Predicate<String> accepts = sc.hasStatsMatcher() ? matcher(sc.getStatsMatcher(), WHERE + ".stats_matcher") : n -> true;
    List<StatsSettings.BucketRule> buckets = new ArrayList<>();
    for (int i = 0; i < sc.getHistogramBucketSettingsCount(); i++) {
      buckets.add(bucketRule(sc.getHistogramBucketSettings(i), WHERE + ".histogram_bucket_settings[" + i + "]"));
    }
    return StatsSettings.of(accepts, custom, useDefaults, buckets);
  }

  private static StatsSettings.BucketRule bucketRule(HistogramBucketSettings h, String where) {
    FieldGuard.onlySupported(h, where, Set.of("match", "buckets"));
    if (!h.hasMatch()) {
      throw new ConfigException(where + ".match: required");
    }
    StringMatch match = RouteFeatureTranslator.stringMatch(h.getMatch(), where + ".match");
    if (h.getBucketsCount() == 0) {
      throw new ConfigException(where + ".buckets: at least one bucket bound is required");
    }
    Set<Double> seen = new HashSet<>();
    for (int i = 0; i < h.getBucketsCount(); i++) {
      double b = h.getBuckets(i);
      if (!(b > 0) || Double.isInfinite(b)) {
        throw new ConfigException(where + ".buckets[" + i + "]: " + b + " must be a finite value greater than 0");
      }
      if (!seen.add(b)) {
        throw new ConfigException(where + ".buckets[" + i + "]: " + b + " is repeated (bounds must be unique)");
      }
    }
    return new StatsSettings.BucketRule(match::matches, h.getBucketsList());
  }

  private static TagExtractor tag(TagSpecifier t, String where) {
    FieldGuard.onlySupported(t, where, Set.of("tag_name", "regex", "fixed_value"));
    if (t.getTagName().isEmpty()) {
      throw new ConfigException(where + ".tag_name: must not be empty");
    }
    return switch (t.getTagValueCase()) {
      case FIXED_VALUE -> TagExtractor.fixed(t.getTagName(), t.getFixedValue());
      case REGEX -> {
        if (t.getRegex().isEmpty()) {
          yield defaultTag(t.getTagName(), where);
        }
        var p = RouteFeatureTranslator.regex(posixClasses(t.getRegex()), where + ".regex");
        if (p.matcher("").groupCount() < 1) {
          throw new ConfigException(where + ".regex: '" + t.getRegex() + "' needs a capture group (the part to remove)");
        }
        yield TagExtractor.regex(t.getTagName(), p);
      }
      default -> defaultTag(t.getTagName(), where);
    };
  }

  /**
   * RE2's POSIX classes ("[_.[:digit:]]", used by Istio's extractors) as Java's: Java would read "[:digit:]" as the
   * characters ':', 'd', 'i', 'g', 't'.
   */
  static String posixClasses(String re2) {
    String out = re2;
    for (String c : List.of("alnum", "alpha", "digit", "lower", "upper", "space", "punct", "xdigit")) {
      out = out.replace("[:" + c + ":]", "\\p{" + (c.equals("xdigit") ? "XDigit" : Character.toUpperCase(c.charAt(0)) + c.substring(1)) + "}");
    }
    return out;
  }

  /** Envoy: a tag_name with no regex names one of the default extractors. */
  private static TagExtractor defaultTag(String name, String where) {
    TagExtractor d = TagProducer.defaultFor(name);
    if (d == null) {
      throw new ConfigException(where + ".regex: required, '" + name + "' is not one of the default tag names "
          + TagProducer.DEFAULTS.stream().map(TagExtractor::name).toList());
    }
    return d;
  }

  private static Predicate<String> matcher(StatsMatcher m, String where) {
    return switch (m.getStatsMatcherCase()) {
      case REJECT_ALL -> {
        boolean reject = m.getRejectAll();
        yield n -> !reject;
      }
      case INCLUSION_LIST -> anyOf(m.getInclusionList(), where + ".inclusion_list");
      case EXCLUSION_LIST -> anyOf(m.getExclusionList(), where + ".exclusion_list").negate();
      default -> throw new ConfigException(where + ": one of reject_all, inclusion_list, exclusion_list is required");
    };
  }

  private static Predicate<String> anyOf(ListStringMatcher list, String where) {
    FieldGuard.onlySupported(list, where, Set.of("patterns"));
    List<StringMatch> patterns = new ArrayList<>();
    for (int i = 0; i < list.getPatternsCount(); i++) {
      patterns.add(RouteFeatureTranslator.stringMatch(list.getPatterns(i), where + ".patterns[" + i + "]"));
    }
    List<StringMatch> all = List.copyOf(patterns);
    return n -> {
      for (StringMatch s : all) {
        if (s.matches(n)) {
          return true;
        }
      }
      return false;
    };
  }
}

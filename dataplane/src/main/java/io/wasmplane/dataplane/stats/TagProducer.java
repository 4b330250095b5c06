package io.wasmplane.dataplane.stats;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Envoy's tag extraction: every extractor matches the full stat name; the characters their first groups cover are removed
 * together, leaving the tag-extracted name (what Prometheus calls the metric).
 */
public final class TagProducer {
  /** Envoy's default extractors that this data plane's stat names use, in label order. */
  public static final List<TagExtractor> DEFAULTS = List.of(
      TagExtractor.regex("envoy.http_conn_manager_prefix", Pattern.compile("^http\\.((.*?)\\.)")),
      TagExtractor.regex("envoy.cluster_name", Pattern.compile("^cluster\\.((.*?)\\.)")),
      TagExtractor.regex("envoy.listener_address", Pattern.compile(
          "^listener\\.(((?:[_.\\d]*|[_\\[\\]aAbBcCdDeEfF\\d]*))\\.)")),
      TagExtractor.regex("envoy.tcp_prefix", Pattern.compile("^tcp\\.((.*?)\\.)\\w+?$")),
      TagExtractor.regex("envoy.response_code_class", Pattern.compile("_rq_(\\d)xx$")),
      TagExtractor.regex("envoy.response_code", Pattern.compile("_rq(_(\\d{3}))$")));

  public static final TagProducer ENVOY_DEFAULT = new TagProducer(DEFAULTS);

  private final List<TagExtractor> extractors;

  public TagProducer(List<TagExtractor> extractors) {
    this.extractors = List.copyOf(extractors);
  }

  public List<TagExtractor> extractors() {
    return extractors;
  }

  /** The default extractor of that name, or null. */
  public static TagExtractor defaultFor(String name) {
    return DEFAULTS.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
  }

  /** A stat name split into its tag-extracted name and its tags (in extractor order, one value per tag name). */
  public record Tagged(String name, Map<String, String> tags) {}

  public Tagged produce(String statName) {
    Map<String, String> tags = new LinkedHashMap<>();
    BitSet removed = new BitSet(statName.length());
    for (TagExtractor t : extractors) {
      if (tags.containsKey(t.name())) {
        continue;
      }
      if (t.regex() == null) {
        tags.put(t.name(), t.fixedValue());
        continue;
      }
      Matcher m = t.regex().matcher(statName);
      if (!m.find()) {
        continue;
      }
      // The first group that took part is the removed part, the one after it the value: Istio's extractors are
      // alternations such as "(response_code=\.=(.+?);\.;)|_rq(_(\d{3}))$" whose match may sit in the later pair.
      int remove = 1;
      while (remove <= m.groupCount() && m.start(remove) < 0) {
        remove++;
      }
      if (remove > m.groupCount()) {
        continue;
      }
      int value = remove < m.groupCount() && m.start(remove + 1) >= 0 ? remove + 1 : remove;
      tags.put(t.name(), m.group(value));
      removed.set(m.start(remove), m.end(remove));
    }
    if (removed.isEmpty()) {
      return new Tagged(statName, tags);
    }
    StringBuilder b = new StringBuilder(statName.length());
    for (int i = 0; i < statName.length(); i++) {
      if (!removed.get(i)) {
        b.append(statName.charAt(i));
      }
    }
    return new Tagged(b.toString(), tags);
  }

  static List<TagExtractor> merged(List<TagExtractor> custom, boolean useDefaults) {
    List<TagExtractor> all = new ArrayList<>(custom);
    if (useDefaults) {
      DEFAULTS.stream().filter(d -> custom.stream().noneMatch(c -> c.name().equals(d.name()))).forEach(all::add);
    }
    return all;
  }
}

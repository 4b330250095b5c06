package io.wasmplane.dataplane.config;

import com.github.xds.core.v3.CidrRange;
import com.github.xds.core.v3.TypedExtensionConfig;
import com.github.xds.type.matcher.v3.IPMatcher;
import com.github.xds.type.matcher.v3.Matcher;
import com.github.xds.type.matcher.v3.Matcher.MatcherList;
import com.github.xds.type.matcher.v3.Matcher.MatcherTree;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.StringValue;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.wasmplane.dataplane.config.FilterChainMatcher.Node;
import io.wasmplane.dataplane.config.FilterChainMatcher.Predicate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Translates a listener's {@code filter_chain_matcher} into a {@link FilterChainMatcher}, validated as Envoy does; every
 * error names the field path under {@code where}. Actions are filter chain names ({@code google.protobuf.StringValue});
 * a name no chain has is an error, so a typo cannot silently send connections to the default chain.
 */
final class FilterChainMatcherTranslator {
  static final String IP_MATCHER_TYPE = IPMatcher.getDescriptor().getFullName();
  private static final String STRING_VALUE_TYPE = StringValue.getDescriptor().getFullName();
  /** {@code OnMatch.keep_matching} in newer xDS protos than the ones compiled here. */
  private static final int KEEP_MATCHING_FIELD = 3;

  private final Map<String, Integer> chains;

  private FilterChainMatcherTranslator(Map<String, Integer> chains) {
    this.chains = chains;
  }

  /** {@code listener} is "listener NAME"; chain indexes follow {@link ListenerConfig#chains()}. */
  static FilterChainMatcher translate(Listener l, String listener) {
    Map<String, Integer> chains = new HashMap<>();
    Map<String, String> fieldOf = new HashMap<>();
    for (int i = 0; i <= l.getFilterChainsCount(); i++) {
      boolean isDefault = i == l.getFilterChainsCount();
      if (isDefault && !l.hasDefaultFilterChain()) {
        break;
      }
      FilterChain fc = isDefault ? l.getDefaultFilterChain() : l.getFilterChains(i);
      String field = isDefault ? "default_filter_chain" : "filter_chains[" + i + "]";
      // As Envoy: two unnamed chains have the same (empty) name too.
      String before = fieldOf.putIfAbsent(fc.getName(), field);
      if (before != null) {
        throw new ConfigException(listener + "." + field + ".name: '" + fc.getName() + "' is also the name of " + before
            + " (filter_chain_matcher needs uniquely named filter chains)");
      }
      if (!fc.getName().isEmpty()) {
        chains.put(fc.getName(), i);
      }
    }
    return new FilterChainMatcher(new FilterChainMatcherTranslator(chains).matcher(l.getFilterChainMatcher(),
        listener + ".filter_chain_matcher"));
  }

  private Node matcher(Matcher m, String where) {
    FieldGuard.onlySupported(m, where, Set.of("matcher_list", "matcher_tree", "on_no_match"));
    Node body = switch (m.getMatcherTypeCase()) {
      case MATCHER_LIST -> list(m.getMatcherList(), where + ".matcher_list");
      case MATCHER_TREE -> tree(m.getMatcherTree(), where + ".matcher_tree");
      case MATCHERTYPE_NOT_SET -> null;
    };
    Node onNoMatch = m.hasOnNoMatch() ? onMatch(m.getOnNoMatch(), where + ".on_no_match") : null;
    if (body == null) {
      return onNoMatch == null ? FilterChainMatcher.NoMatch.INSTANCE : onNoMatch;
    }
    return onNoMatch == null ? body : new FilterChainMatcher.OrElse(body, onNoMatch);
  }

  private Node onMatch(Matcher.OnMatch om, String where) {
    if (om.getUnknownFields().hasField(KEEP_MATCHING_FIELD)) {
      throw new ConfigException(where + ".keep_matching: not supported (the first match decides the filter chain)");
    }
    FieldGuard.onlySupported(om, where, Set.of("matcher", "action"));
    return switch (om.getOnMatchCase()) {
      case MATCHER -> matcher(om.getMatcher(), where + ".matcher");
      case ACTION -> action(om.getAction(), where + ".action");
      case ONMATCH_NOT_SET -> throw new ConfigException(where + ": one of 'matcher' or 'action' is required");
    };
  }

  private Node action(TypedExtensionConfig a, String where) {
    String type = typeName(a.getTypedConfig());
    if (!type.equals(STRING_VALUE_TYPE)) {
      throw new ConfigException(where + ".typed_config: unsupported action type '" + type + "' (a filter chain name as "
          + STRING_VALUE_TYPE + ")");
    }
    String name = unpack(a.getTypedConfig(), StringValue.class, where + ".typed_config").getValue();
    Integer chain = chains.get(name);
    if (chain == null) {
      throw new ConfigException(where + ".typed_config: filter chain '" + name + "' does not exist (filter chain names: "
          + new java.util.TreeSet<>(chains.keySet()) + ")");
    }
    return new FilterChainMatcher.Action(chain);
  }

  private Node tree(MatcherTree t, String where) {
    FieldGuard.onlySupported(t, where, Set.of("input", "exact_match_map", "prefix_match_map", "custom_match"));
    NetworkInput input = input(t, where + ".input");
    switch (t.getTreeTypeCase()) {
      case EXACT_MATCH_MAP -> {
        Map<String, Node> map = new LinkedHashMap<>();
        entries(t.getExactMatchMap(), where + ".exact_match_map").forEach(map::put);
        return new FilterChainMatcher.ExactMap(input, map);
      }
      case PREFIX_MATCH_MAP -> {
        Map<String, Node> map = entries(t.getPrefixMatchMap(), where + ".prefix_match_map");
        List<String> keys = map.keySet().stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
        return new FilterChainMatcher.PrefixMap(input, keys, keys.stream().map(map::get).toList());
      }
      case CUSTOM_MATCH -> {
        return custom(t.getCustomMatch(), input, where);
      }
      default -> throw new ConfigException(where + ": one of exact_match_map, prefix_match_map or custom_match is required");
    }
  }

  private Map<String, Node> entries(MatcherTree.MatchMap m, String where) {
    if (m.getMapCount() == 0) {
      throw new ConfigException(where + ".map: at least one entry is required");
    }
    Map<String, Node> out = new LinkedHashMap<>();
    // Sorted: the same config gives the same tree (protobuf maps have no order).
    m.getMapMap().entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> out.put(e.getKey(), onMatch(e.getValue(), where + ".map[\"" + e.getKey() + "\"]")));
    return out;
  }

  /** {@code custom_match}: only Envoy's trie matcher over an {@code IPMatcher}, fed by an IP input. */
  private Node custom(TypedExtensionConfig c, NetworkInput input, String where) {
    String w = where + ".custom_match";
    String type = typeName(c.getTypedConfig());
    if (!type.equals(IP_MATCHER_TYPE)) {
      throw new ConfigException(w + ".typed_config: unsupported custom matcher type '" + type + "' (supported: " + IP_MATCHER_TYPE
          + ", envoy.matching.custom_matchers.trie_matcher)");
    }
    if (!input.isAddress()) {
      throw new ConfigException(w + ": the IP trie matcher needs an IP input (DestinationIPInput, SourceIPInput or "
          + "DirectSourceIPInput), not " + input.typeName);
    }
    IPMatcher ip = unpack(c.getTypedConfig(), IPMatcher.class, w + ".typed_config");
    FieldGuard.onlySupported(ip, w + ".typed_config", Set.of("range_matchers"));
    List<FilterChainMatcher.IpRange> ranges = new ArrayList<>();
    for (int i = 0; i < ip.getRangeMatchersCount(); i++) {
      IPMatcher.IPRangeMatcher rm = ip.getRangeMatchers(i);
      String rw = w + ".typed_config.range_matchers[" + i + "]";
      FieldGuard.onlySupported(rm, rw, Set.of("ranges", "on_match", "exclusive"));
      if (rm.getRangesCount() == 0) {
        throw new ConfigException(rw + ".ranges: at least one range is required");
      }
      if (!rm.hasOnMatch()) {
        throw new ConfigException(rw + ".on_match: required");
      }
      Node node = onMatch(rm.getOnMatch(), rw + ".on_match");
      for (int j = 0; j < rm.getRangesCount(); j++) {
        CidrRange r = rm.getRanges(j);
        IpPrefix prefix = IpPrefix.parse(r.getAddressPrefix(), r.hasPrefixLen() ? r.getPrefixLen().getValue() : 0,
            rw + ".ranges[" + j + "]");
        ranges.add(new FilterChainMatcher.IpRange(prefix, rm.getExclusive(), node));
      }
    }
    // Stable sort: among equal lengths, declaration order.
    ranges.sort(Comparator.comparingInt((FilterChainMatcher.IpRange r) -> r.prefix().length()).reversed());
    return new FilterChainMatcher.IpRanges(input, ranges);
  }

  private Node list(MatcherList l, String where) {
    FieldGuard.onlySupported(l, where, Set.of("matchers"));
    if (l.getMatchersCount() == 0) {
      throw new ConfigException(where + ".matchers: at least one matcher is required");
    }
    List<Predicate> predicates = new ArrayList<>();
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < l.getMatchersCount(); i++) {
      MatcherList.FieldMatcher fm = l.getMatchers(i);
      String w = where + ".matchers[" + i + "]";
      FieldGuard.onlySupported(fm, w, Set.of("predicate", "on_match"));
      if (!fm.hasPredicate() || !fm.hasOnMatch()) {
        throw new ConfigException(w + ": 'predicate' and 'on_match' are required");
      }
      predicates.add(predicate(fm.getPredicate(), w + ".predicate"));
      nodes.add(onMatch(fm.getOnMatch(), w + ".on_match"));
    }
    return new FilterChainMatcher.FirstMatching(predicates, nodes);
  }

  private Predicate predicate(MatcherList.Predicate p, String where) {
    return switch (p.getMatchTypeCase()) {
      case SINGLE_PREDICATE -> single(p.getSinglePredicate(), where + ".single_predicate");
      case OR_MATCHER -> new FilterChainMatcher.AnyOf(predicates(p.getOrMatcher(), where + ".or_matcher"));
      case AND_MATCHER -> new FilterChainMatcher.AllOf(predicates(p.getAndMatcher(), where + ".and_matcher"));
      case NOT_MATCHER -> new FilterChainMatcher.Not(predicate(p.getNotMatcher(), where + ".not_matcher"));
      case MATCHTYPE_NOT_SET -> throw new ConfigException(where
          + ": one of single_predicate, or_matcher, and_matcher or not_matcher is required");
    };
  }

  private List<Predicate> predicates(MatcherList.Predicate.PredicateList l, String where) {
    if (l.getPredicateCount() < 2) {
      throw new ConfigException(where + ".predicate: at least two predicates are required");
    }
    List<Predicate> out = new ArrayList<>();
    for (int i = 0; i < l.getPredicateCount(); i++) {
      out.add(predicate(l.getPredicate(i), where + ".predicate[" + i + "]"));
    }
    return out;
  }

  private Predicate single(MatcherList.Predicate.SinglePredicate s, String where) {
    if (s.hasCustomMatch()) {
      throw new ConfigException(where + ".custom_match: not supported in a single_predicate (use value_match)");
    }
    FieldGuard.onlySupported(s, where, Set.of("input", "value_match"));
    if (!s.hasValueMatch()) {
      throw new ConfigException(where + ".value_match: required");
    }
    NetworkInput input = input(s.getInput(), s.hasInput(), where + ".input");
    return new FilterChainMatcher.Single(input, stringMatch(s.getValueMatch(), where + ".value_match"));
  }

  private static NetworkInput input(MatcherTree t, String where) {
    return input(t.getInput(), t.hasInput(), where);
  }

  private static NetworkInput input(TypedExtensionConfig in, boolean present, String where) {
    if (!present) {
      throw new ConfigException(where + ": required");
    }
    String type = typeName(in.getTypedConfig());
    NetworkInput input = NetworkInput.of(type);
    if (input == null) {
      throw new ConfigException(where + ".typed_config: unsupported input type '" + type + "' (supported: "
          + Arrays.stream(NetworkInput.values()).map(i -> i.typeName).toList() + ")");
    }
    return input;
  }

  /**
   * The xDS StringMatcher has the field numbers and meanings of Envoy's, so its bytes are read as Envoy's and the one
   * string matcher translation applies (same supported fields, same messages).
   */
  private static StringMatch stringMatch(com.github.xds.type.matcher.v3.StringMatcher s, String where) {
    try {
      return RouteFeatureTranslator.stringMatch(io.envoyproxy.envoy.type.matcher.v3.StringMatcher.parseFrom(s.toByteString()), where);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(where + ": " + e.getMessage(), e);
    }
  }

  private static String typeName(Any a) {
    return a.getTypeUrl().substring(a.getTypeUrl().lastIndexOf('/') + 1);
  }

  private static <T extends Message> T unpack(Any a, Class<T> type, String where) {
    try {
      return a.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(where + ": cannot read " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }
}

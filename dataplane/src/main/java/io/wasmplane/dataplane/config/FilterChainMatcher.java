package io.wasmplane.dataplane.config;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * A listener's {@code filter_chain_matcher} (the unified matcher API, {@code xds.type.matcher.v3.Matcher}), compiled
 * once: a tree of nodes that each give a chain index or -1 (no match). A nested matcher that does not match makes its
 * {@code on_match} not match, so matching goes on as if its predicate or key had not matched (the next list entry, a
 * shorter prefix, a less specific IP range), then to the nearest {@code on_no_match}.
 */
public record FilterChainMatcher(Node root) implements ChainSelection {
  static final int NO_MATCH = -1;

  @Override
  public int select(ConnectionFacts c) {
    return root.match(c);
  }

  /** One step of the tree. */
  sealed interface Node permits Action, NoMatch, OrElse, ExactMap, PrefixMap, IpRanges, FirstMatching {
    int match(ConnectionFacts c);
  }

  /** An action: the chain it names. */
  record Action(int chain) implements Node {
    @Override
    public int match(ConnectionFacts c) {
      return chain;
    }
  }

  /** A matcher with nothing to match and no on_no_match. */
  enum NoMatch implements Node {
    INSTANCE;

    @Override
    public int match(ConnectionFacts c) {
      return NO_MATCH;
    }
  }

  /** A matcher and its on_no_match. */
  record OrElse(Node first, Node onNoMatch) implements Node {
    @Override
    public int match(ConnectionFacts c) {
      int r = first.match(c);
      return r != NO_MATCH ? r : onNoMatch.match(c);
    }
  }

  /** {@code exact_match_map}. */
  record ExactMap(NetworkInput input, Map<String, Node> map) implements Node {
    public ExactMap {
      map = Map.copyOf(map);
    }

    @Override
    public int match(ConnectionFacts c) {
      String v = input.value(c);
      Node n = v == null ? null : map.get(v);
      return n == null ? NO_MATCH : n.match(c);
    }
  }

  /** {@code prefix_match_map}: keys longest first, so the longest matching prefix is tried first. */
  record PrefixMap(NetworkInput input, List<String> keys, List<Node> nodes) implements Node {
    public PrefixMap {
      keys = List.copyOf(keys);
      nodes = List.copyOf(nodes);
    }

    @Override
    public int match(ConnectionFacts c) {
      String v = input.value(c);
      if (v == null) {
        return NO_MATCH;
      }
      for (int i = 0; i < keys.size(); i++) {
        if (v.startsWith(keys.get(i))) {
          int r = nodes.get(i).match(c);
          if (r != NO_MATCH) {
            return r;
          }
        }
      }
      return NO_MATCH;
    }
  }

  /** One CIDR range of an {@code IPMatcher} range matcher. */
  record IpRange(IpPrefix prefix, boolean exclusive, Node onMatch) {}

  /**
   * {@code envoy.matching.custom_matchers.trie_matcher} over an {@code xds.type.matcher.v3.IPMatcher}: ranges longest
   * prefix first (declaration order among equal lengths); an exclusive range is skipped when a longer matching range
   * exists, even if that one's nested matcher failed. Ranges are found through an {@link IpRangeIndex}, one lookup per
   * distinct prefix length, as a waypoint may list thousands of service addresses.
   */
  static final class IpRanges implements Node {
    private final NetworkInput input;
    private final List<IpRange> ranges;
    private final IpRangeIndex index;

    IpRanges(NetworkInput input, List<IpRange> ranges) {
      this.input = input;
      this.ranges = List.copyOf(ranges);
      this.index = new IpRangeIndex(this.ranges);
    }

    @Override
    public int match(ConnectionFacts c) {
      byte[] a = input.address(c).getAddress();
      int longest = -1;
      for (int length : index.lengths()) {
        List<IpRange> found = index.find(a, length);
        if (found == null) {
          continue;
        }
        for (IpRange r : found) {
          if (longest < 0) {
            longest = length;
          } else if (r.exclusive() && length < longest) {
            continue;
          }
          int chain = r.onMatch().match(c);
          if (chain != NO_MATCH) {
            return chain;
          }
        }
      }
      return NO_MATCH;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof IpRanges r && r.input == input && r.ranges.equals(ranges);
    }

    @Override
    public int hashCode() {
      return input.hashCode() * 31 + ranges.hashCode();
    }
  }

  /** {@code matcher_list}: the first entry whose predicate holds and whose on_match matches. */
  record FirstMatching(List<Predicate> predicates, List<Node> onMatch) implements Node {
    public FirstMatching {
      predicates = List.copyOf(predicates);
      onMatch = List.copyOf(onMatch);
    }

    @Override
    public int match(ConnectionFacts c) {
      for (int i = 0; i < predicates.size(); i++) {
        if (predicates.get(i).test(c)) {
          int r = onMatch.get(i).match(c);
          if (r != NO_MATCH) {
            return r;
          }
        }
      }
      return NO_MATCH;
    }
  }

  /** A {@code matcher_list} predicate. */
  sealed interface Predicate permits Single, AnyOf, AllOf, Not {
    boolean test(ConnectionFacts c);
  }

  /** {@code single_predicate} with a {@code value_match}; an input without a value does not match. */
  record Single(NetworkInput input, StringMatch match) implements Predicate {
    @Override
    public boolean test(ConnectionFacts c) {
      String v = input.value(c);
      return v != null && match.matches(v);
    }
  }

  record AnyOf(List<Predicate> predicates) implements Predicate {
    public AnyOf {
      predicates = List.copyOf(predicates);
    }

    @Override
    public boolean test(ConnectionFacts c) {
      for (Predicate p : predicates) {
        if (p.test(c)) {
          return true;
        }
      }
      return false;
    }
  }

  record AllOf(List<Predicate> predicates) implements Predicate {
    public AllOf {
      predicates = List.copyOf(predicates);
    }

    @Override
    public boolean test(ConnectionFacts c) {
      for (Predicate p : predicates) {
        if (!p.test(c)) {
          return false;
        }
      }
      return true;
    }
  }

  record Not(Predicate predicate) implements Predicate {
    @Override
    public boolean test(ConnectionFacts c) {
      return !predicate.test(c);
    }
  }
}

package io.wasmplane.dataplane.config;

import java.net.InetAddress;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * Envoy's filter chain selection over a listener's {@code filter_chains}: the criteria in Envoy's order (destination
 * port, destination IP, server name, transport protocol, application protocols, direct source IP, source type, source
 * IP, source port); at each step only the chains with the most specific value that matches the connection stay
 * (exact port before any, longest prefix, exact name before the longest wildcard before none, ...), with no going back
 * to a less specific value later, as Envoy's match tree. Two chains that no connection could tell apart are a config
 * error.
 */
public final class FilterChainSelector implements ChainSelection {
  private static final int NO_MATCH = -1;

  private final List<FilterChainMatchSpec> matches;
  /** The common listener: one chain that takes every connection, chosen without looking. */
  private final boolean single;

  /** Throws ConfigException naming both chains when two have the same matching rules. */
  public FilterChainSelector(List<FilterChainMatchSpec> matches, List<String> chainNames, String where) {
    this.matches = List.copyOf(matches);
    this.single = matches.size() == 1 && matches.get(0).equals(FilterChainMatchSpec.ANY);
    for (int i = 0; i < matches.size(); i++) {
      for (int j = i + 1; j < matches.size(); j++) {
        if (overlap(matches.get(i), matches.get(j))) {
          throw new ConfigException(where + ": filter chains " + chainNames.get(i) + " and " + chainNames.get(j)
              + " have the same matching rules (multiple filter chains with the same matching rules are defined)");
        }
      }
    }
  }

  /** The index of the chain for this connection, or -1 when none matches (the default chain's turn). */
  @Override
  public int select(ConnectionFacts c) {
    if (single) {
      return 0;
    }
    int[] candidates = new int[matches.size()];
    int n = candidates.length;
    for (int i = 0; i < n; i++) {
      candidates[i] = i;
    }
    InetAddress localIp = c.local().getAddress();
    InetAddress remoteIp = c.remote().getAddress();
    n = narrow(candidates, n, m -> m.destinationPort() == c.local().getPort() ? 1 : m.destinationPort() == 0 ? 0 : NO_MATCH);
    n = narrow(candidates, n, m -> longestPrefix(m.prefixRanges(), localIp));
    n = narrow(candidates, n, m -> serverName(m.serverNames(), c.serverName()));
    n = narrow(candidates, n, m -> m.transportProtocol().equals(c.transportProtocol()) ? 1
        : m.transportProtocol().isEmpty() ? 0 : NO_MATCH);
    n = narrow(candidates, n, m -> applicationProtocol(m.applicationProtocols(), c.applicationProtocols()));
    n = narrow(candidates, n, m -> longestPrefix(m.directSourcePrefixRanges(), c.directRemote().getAddress()));
    boolean local = c.localSource();
    n = narrow(candidates, n, m -> switch (m.sourceType()) {
      case ANY -> 0;
      case LOCAL -> local ? 1 : NO_MATCH;
      case EXTERNAL -> local ? NO_MATCH : 1;
    });
    n = narrow(candidates, n, m -> longestPrefix(m.sourcePrefixRanges(), remoteIp));
    n = narrow(candidates, n, m -> m.sourcePorts().contains(c.remote().getPort()) ? 1 : m.sourcePorts().isEmpty() ? 0 : NO_MATCH);
    // Duplicates are refused, so at most one is left.
    return n == 0 ? NO_MATCH : candidates[0];
  }

  /**
   * Keeps, in place, the first {@code n} candidates whose score (specificity of their matching value, -1 = no match)
   * is the highest; returns how many are left.
   */
  private int narrow(int[] candidates, int n, ToIntFunction<FilterChainMatchSpec> score) {
    if (n <= 1) {
      // One chain left: it must still match on every remaining criterion.
      return n == 1 && score.applyAsInt(matches.get(candidates[0])) == NO_MATCH ? 0 : n;
    }
    int best = NO_MATCH;
    int kept = 0;
    for (int k = 0; k < n; k++) {
      int i = candidates[k];
      int s = score.applyAsInt(matches.get(i));
      if (s > best) {
        best = s;
        kept = 0;
      }
      if (s == best && s != NO_MATCH) {
        candidates[kept++] = i;
      }
    }
    return kept;
  }

  /** Longest matching prefix length; no ranges = any address (length 0). */
  private static int longestPrefix(List<IpPrefix> ranges, InetAddress address) {
    if (ranges.isEmpty()) {
      return 0;
    }
    int best = NO_MATCH;
    for (IpPrefix p : ranges) {
      if (p.length() > best && p.contains(address)) {
        best = p.length();
      }
    }
    return best;
  }

  /** Exact name first, then the longest matching {@code *.suffix}, then chains without server names. */
  private static int serverName(List<String> names, String sni) {
    if (names.isEmpty()) {
      return 0;
    }
    if (!sni.isEmpty() && names.contains(sni)) {
      return Integer.MAX_VALUE;
    }
    int best = NO_MATCH;
    for (String n : names) {
      // "*.example.com" matches "a.example.com" and "a.b.example.com", never "example.com" itself.
      if (n.startsWith("*.") && sni.length() > n.length() - 1 && sni.endsWith(n.substring(1)) && n.length() > best) {
        best = n.length();
      }
    }
    return best;
  }

  /** The client's first protocol (in its order) that some chain names wins; chains naming none come after. */
  private static int applicationProtocol(List<String> chainProtocols, List<String> offered) {
    if (chainProtocols.isEmpty()) {
      return 0;
    }
    for (int i = 0; i < offered.size(); i++) {
      if (chainProtocols.contains(offered.get(i))) {
        return offered.size() - i;
      }
    }
    return NO_MATCH;
  }

  /** Whether some connection would end at both chains: every criterion shares a value ("none" is a value of its own). */
  static boolean overlap(FilterChainMatchSpec a, FilterChainMatchSpec b) {
    return a.destinationPort() == b.destinationPort()
        && intersect(prefixes(a.prefixRanges()), prefixes(b.prefixRanges()))
        && intersect(orNone(a.serverNames()), orNone(b.serverNames()))
        && a.transportProtocol().equals(b.transportProtocol())
        && intersect(orNone(a.applicationProtocols()), orNone(b.applicationProtocols()))
        && intersect(prefixes(a.directSourcePrefixRanges()), prefixes(b.directSourcePrefixRanges()))
        && a.sourceType() == b.sourceType()
        && intersect(prefixes(a.sourcePrefixRanges()), prefixes(b.sourcePrefixRanges()))
        && intersect(a.sourcePorts().isEmpty() ? List.of(0) : a.sourcePorts(), b.sourcePorts().isEmpty() ? List.of(0) : b.sourcePorts());
  }

  private static List<IpPrefix> prefixes(List<IpPrefix> ranges) {
    return ranges.isEmpty() ? List.of(IpPrefix.ANY_V4, IpPrefix.ANY_V6) : ranges;
  }

  private static List<String> orNone(List<String> values) {
    return values.isEmpty() ? List.of("") : values;
  }

  private static boolean intersect(Collection<?> a, Collection<?> b) {
    Set<Object> s = new HashSet<>(a);
    return b.stream().anyMatch(s::contains);
  }
}

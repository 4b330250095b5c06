package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.listener.v3.ListenerFilterChainMatchPredicate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Envoy's ListenerFilterChainMatchPredicate (a listener filter's {@code filter_disabled}): any, or/and/not of rules,
 * and destination port ranges [start, end).
 */
public record PortPredicate(Kind kind, List<PortPredicate> rules, int start, int end) {
  public enum Kind { ANY, OR, AND, NOT, PORT_RANGE }

  public PortPredicate {
    rules = List.copyOf(rules);
  }

  public boolean test(int port) {
    return switch (kind) {
      case ANY -> true;
      case OR -> rules.stream().anyMatch(r -> r.test(port));
      case AND -> rules.stream().allMatch(r -> r.test(port));
      case NOT -> !rules.get(0).test(port);
      case PORT_RANGE -> port >= start && port < end;
    };
  }

  static PortPredicate translate(ListenerFilterChainMatchPredicate p, String where) {
    FieldGuard.onlySupported(p, where, Set.of("or_match", "and_match", "not_match", "any_match", "destination_port_range"));
    return switch (p.getRuleCase()) {
      case ANY_MATCH -> {
        if (!p.getAnyMatch()) {
          throw new ConfigException(where + ".any_match: must be true");
        }
        yield new PortPredicate(Kind.ANY, List.of(), 0, 0);
      }
      case OR_MATCH -> new PortPredicate(Kind.OR, all(p.getOrMatch().getRulesList(), where + ".or_match.rules"), 0, 0);
      case AND_MATCH -> new PortPredicate(Kind.AND, all(p.getAndMatch().getRulesList(), where + ".and_match.rules"), 0, 0);
      case NOT_MATCH -> new PortPredicate(Kind.NOT, List.of(translate(p.getNotMatch(), where + ".not_match")), 0, 0);
      case DESTINATION_PORT_RANGE -> {
        int start = p.getDestinationPortRange().getStart();
        int end = p.getDestinationPortRange().getEnd();
        if (start < 0 || end > 65536 || start >= end) {
          throw new ConfigException(where + ".destination_port_range: [" + start + ", " + end + ") is not a port range");
        }
        yield new PortPredicate(Kind.PORT_RANGE, List.of(), start, end);
      }
      default -> throw new ConfigException(where + ": a rule is required");
    };
  }

  private static List<PortPredicate> all(List<ListenerFilterChainMatchPredicate> rules, String where) {
    if (rules.size() < 2) {
      throw new ConfigException(where + ": at least two rules are required");
    }
    List<PortPredicate> out = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      out.add(translate(rules.get(i), where + "[" + i + "]"));
    }
    return out;
  }
}

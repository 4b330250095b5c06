package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Translates a FilterChainMatch into a {@link FilterChainMatchSpec}, validated as Envoy does. */
final class FilterChainMatches {
  private FilterChainMatches() {}

  static FilterChainMatchSpec translate(FilterChainMatch m, String where) {
    FieldGuard.onlySupported(m, where, Set.of("destination_port", "prefix_ranges", "server_names", "transport_protocol",
        "application_protocols", "direct_source_prefix_ranges", "source_type", "source_prefix_ranges", "source_ports"));
    int port = 0;
    if (m.hasDestinationPort()) {
      port = m.getDestinationPort().getValue();
      if (port < 1 || port > 65535) {
        throw new ConfigException(where + ".destination_port: " + port + " is not a port (1..65535)");
      }
    }
    List<String> names = new ArrayList<>();
    for (String n : m.getServerNamesList()) {
      String lower = n.toLowerCase(Locale.ROOT);
      if (lower.isEmpty()) {
        throw new ConfigException(where + ".server_names: empty name");
      }
      if (lower.indexOf('*') >= 0 && (!lower.startsWith("*.") || lower.indexOf('*', 1) >= 0 || lower.length() < 3)) {
        // Envoy's words.
        throw new ConfigException(where + ".server_names: '" + n + "': partial wildcards are not supported in \"server_names\"");
      }
      names.add(lower);
    }
    List<Integer> sourcePorts = new ArrayList<>();
    for (int i = 0; i < m.getSourcePortsCount(); i++) {
      int p = m.getSourcePorts(i);
      if (p < 1 || p > 65535) {
        throw new ConfigException(where + ".source_ports[" + i + "]: " + p + " is not a port (1..65535)");
      }
      sourcePorts.add(p);
    }
    FilterChainMatchSpec.SourceType sourceType = switch (m.getSourceType()) {
      case ANY -> FilterChainMatchSpec.SourceType.ANY;
      case SAME_IP_OR_LOOPBACK -> FilterChainMatchSpec.SourceType.LOCAL;
      case EXTERNAL -> FilterChainMatchSpec.SourceType.EXTERNAL;
      default -> throw new ConfigException(where + ".source_type: unknown value " + m.getSourceTypeValue());
    };
    for (int i = 0; i < m.getApplicationProtocolsCount(); i++) {
      if (m.getApplicationProtocols(i).isEmpty()) {
        throw new ConfigException(where + ".application_protocols[" + i + "]: empty protocol");
      }
    }
    return new FilterChainMatchSpec(port, prefixes(m.getPrefixRangesList(), where + ".prefix_ranges"), names,
        m.getTransportProtocol(), m.getApplicationProtocolsList(),
        prefixes(m.getDirectSourcePrefixRangesList(), where + ".direct_source_prefix_ranges"), sourceType,
        prefixes(m.getSourcePrefixRangesList(), where + ".source_prefix_ranges"), sourcePorts);
  }

  private static List<IpPrefix> prefixes(List<CidrRange> ranges, String where) {
    List<IpPrefix> out = new ArrayList<>();
    for (int i = 0; i < ranges.size(); i++) {
      CidrRange r = ranges.get(i);
      String w = where + "[" + i + "]";
      int len = r.hasPrefixLen() ? r.getPrefixLen().getValue() : 0;
      out.add(IpPrefix.parse(r.getAddressPrefix(), len, w));
    }
    return out;
  }
}

package io.wasmplane.dataplane.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A route configuration. Virtual hosts are selected as Envoy does: exact domain, then the longest suffix wildcard
 * ({@code *.example.com}), then the longest prefix wildcard ({@code example.*}), then {@code *}.
 */
public final class RouteTable {
  private final String name;
  private final List<VirtualHostConfig> virtualHosts;
  private final Map<String, VirtualHostConfig> exact = new HashMap<>();
  private final List<Map.Entry<String, VirtualHostConfig>> suffixWildcards = new ArrayList<>();
  private final List<Map.Entry<String, VirtualHostConfig>> prefixWildcards = new ArrayList<>();
  private VirtualHostConfig catchAll;
  private final List<String> internalOnlyHeaders;
  /** Filters some route has a per-route config for; "" when some route has a deprecated cors field. */
  private final java.util.Set<String> configuredFilters = new java.util.HashSet<>();

  public RouteTable(String name, List<VirtualHostConfig> virtualHosts) {
    this(name, virtualHosts, List.of());
  }

  /** {@code internalOnlyHeaders}: removed from external requests before any filter sees them. */
  public RouteTable(String name, List<VirtualHostConfig> virtualHosts, List<String> internalOnlyHeaders) {
    this.name = name;
    this.internalOnlyHeaders = List.copyOf(internalOnlyHeaders);
    this.virtualHosts = List.copyOf(virtualHosts);
    for (VirtualHostConfig vh : virtualHosts) {
      for (RouteEntry r : vh.routes()) {
        configuredFilters.addAll(r.filterConfigs().byFilterName().keySet());
        if (r.filterConfigs().legacyCors() != null) {
          configuredFilters.add("");
        }
      }
      for (String d : vh.domains()) {
        String domain = d.toLowerCase(Locale.ROOT);
        if (domain.equals("*")) {
          if (catchAll != null) {
            throw new ConfigException("route_config " + name + ": domain '*' used by more than one virtual host");
          }
          catchAll = vh;
        } else if (domain.startsWith("*")) {
          suffixWildcards.add(Map.entry(domain.substring(1), vh));
        } else if (domain.endsWith("*")) {
          prefixWildcards.add(Map.entry(domain.substring(0, domain.length() - 1), vh));
        } else if (exact.putIfAbsent(domain, vh) != null) {
          throw new ConfigException("route_config " + name + ": domain '" + d + "' used by more than one virtual host");
        }
      }
    }
    Comparator<Map.Entry<String, VirtualHostConfig>> longestFirst = Comparator.comparingInt(e -> -e.getKey().length());
    suffixWildcards.sort(longestFirst);
    prefixWildcards.sort(longestFirst);
  }

  public String name() {
    return name;
  }

  public List<VirtualHostConfig> virtualHosts() {
    return virtualHosts;
  }

  /** Whether any route has a config for filter {@code name} (or a deprecated cors field): if not, it need not look. */
  public boolean configuresFilter(String name, boolean orLegacyCors) {
    return configuredFilters.contains(name) || orLegacyCors && configuredFilters.contains("");
  }

  public List<String> internalOnlyHeaders() {
    return internalOnlyHeaders;
  }

  /** The virtual host serving {@code authority} (host header, possibly with a port). */
  public Optional<VirtualHostConfig> virtualHost(String authority) {
    if (exact.isEmpty() && suffixWildcards.isEmpty() && prefixWildcards.isEmpty()) {
      return Optional.ofNullable(catchAll); // only "*": nothing to look up (no lower-casing, no port split)
    }
    if (authority == null) {
      authority = "";
    }
    String host = authority.toLowerCase(Locale.ROOT);
    VirtualHostConfig vh = lookup(host);
    if (vh == null) {
      int colon = host.lastIndexOf(':');
      if (colon > 0 && host.indexOf(']') < colon) {
        vh = lookup(host.substring(0, colon));
      }
    }
    return Optional.ofNullable(vh != null ? vh : catchAll);
  }

  private VirtualHostConfig lookup(String host) {
    VirtualHostConfig vh = exact.get(host);
    if (vh != null) {
      return vh;
    }
    for (Map.Entry<String, VirtualHostConfig> e : suffixWildcards) {
      if (host.endsWith(e.getKey()) && host.length() > e.getKey().length()) {
        return e.getValue();
      }
    }
    for (Map.Entry<String, VirtualHostConfig> e : prefixWildcards) {
      if (host.startsWith(e.getKey()) && host.length() > e.getKey().length()) {
        return e.getValue();
      }
    }
    return null;
  }

  /** The first route matching the request, as Envoy evaluates routes in order. */
  public Optional<RouteEntry> route(RequestFacts request) {
    Optional<VirtualHostConfig> vh = virtualHost(request.headers().get("host"));
    if (vh.isEmpty()) {
      return Optional.empty();
    }
    for (RouteEntry r : vh.get().routes()) {
      if (r.match().matches(request)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}

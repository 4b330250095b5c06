package io.wasmplane.dataplane.filters.jwt;

import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.ConfigMatchers;
import io.wasmplane.dataplane.config.RequestFacts;
import io.wasmplane.dataplane.config.RouteMatchSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A translated envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication: providers (inline JWKS parsed once),
 * rules (first matching route match decides the requirement), the named requirement_map per-route configs refer to,
 * the CORS preflight bypass and the stat prefix. Unsupported fields are refused by name.
 */
record JwtAuthnConfig(List<Rule> rules, Map<String, JwtRequirement> requirementMap, boolean bypassCorsPreflight, String statPrefix,
    List<JwtProviderSpec> providers) {

  static final String TYPE = JwtAuthentication.getDescriptor().getFullName();

  /** One rule: requests its match accepts must satisfy {@code requirement}. */
  record Rule(RouteMatchSpec match, JwtRequirement requirement) {}

  static JwtAuthnConfig translate(JwtAuthentication c, String where) {
    ConfigMatchers.onlySupported(c, where, Set.of("providers", "rules", "bypass_cors_preflight", "requirement_map", "stat_prefix"));
    Map<String, JwtProviderSpec> byName = new LinkedHashMap<>();
    Map<String, JwtProviderSpec> byIssuer = new LinkedHashMap<>();
    List<TokenLocations.HeaderLocation> headers = new ArrayList<>();
    List<String> params = new ArrayList<>();
    List<String> cookies = new ArrayList<>();
    for (Map.Entry<String, io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider> e
        : new TreeMap<>(c.getProvidersMap()).entrySet()) {
      JwtProviderSpec p = JwtProviderSpec.translate(e.getKey(), e.getValue(), where + ".providers[" + e.getKey() + "]");
      byName.put(e.getKey(), p);
      byIssuer.putIfAbsent(p.issuer(), p);
      p.locations().headers().forEach(h -> addOnce(headers, h));
      p.locations().params().forEach(x -> addOnce(params, x));
      p.locations().cookies().forEach(x -> addOnce(cookies, x));
    }
    JwtRequirement.Providers ps = new JwtRequirement.Providers(Map.copyOf(byName), Map.copyOf(byIssuer),
        new TokenLocations(List.copyOf(headers), List.copyOf(params), List.copyOf(cookies)));
    Map<String, JwtRequirement> requirementMap = new TreeMap<>();
    c.getRequirementMapMap().forEach((name, r) ->
        requirementMap.put(name, JwtRequirement.compile(r, ps, where + ".requirement_map[" + name + "]")));
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < c.getRulesCount(); i++) {
      rules.add(rule(c.getRules(i), ps, requirementMap, where + ".rules[" + i + "]"));
    }
    return new JwtAuthnConfig(List.copyOf(rules), java.util.Collections.unmodifiableMap(requirementMap), c.getBypassCorsPreflight(), c.getStatPrefix(),
        List.copyOf(byName.values()));
  }

  private static Rule rule(RequirementRule r, JwtRequirement.Providers ps, Map<String, JwtRequirement> named, String where) {
    ConfigMatchers.onlySupported(r, where, Set.of("match", "requires", "requirement_name"));
    if (!r.hasMatch()) {
      throw new ConfigException(where + ".match: required");
    }
    RouteMatchSpec match = ConfigMatchers.routeMatch(r.getMatch(), where + ".match");
    JwtRequirement requirement;
    if (r.hasRequires()) {
      requirement = JwtRequirement.compile(r.getRequires(), ps, where + ".requires");
    } else if (!r.getRequirementName().isEmpty()) {
      requirement = named.get(r.getRequirementName());
      if (requirement == null) {
        throw new ConfigException(where + ".requirement_name: " + wrongName(r.getRequirementName(), named.keySet()));
      }
    } else {
      requirement = ctx -> JwtStatus.OK; // a rule without a requirement: no JWT is required on its requests
    }
    return new Rule(match, requirement);
  }

  /** Envoy's words for a requirement_name the requirement_map lacks. */
  static String wrongName(String name, java.util.Collection<String> known) {
    return "Wrong requirement_name: " + name + ". It should be one of [" + String.join(",", known) + "]";
  }

  private static <T> void addOnce(List<T> list, T item) {
    if (!list.contains(item)) {
      list.add(item);
    }
  }

  /** The requirement of the first rule matching the request; null when none matches (the request passes). */
  JwtRequirement requirementFor(RequestFacts request) {
    for (Rule r : rules) {
      if (r.match().matches(request)) {
        return r.requirement();
      }
    }
    return null;
  }
}

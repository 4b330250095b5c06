package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code RouteAction.hash_policy} into a {@link HashPolicy}; {@code filter_state} is refused (no filter state here). */
final class HashPolicyTranslator {
  private HashPolicyTranslator() {}

  static HashPolicy translate(List<RouteAction.HashPolicy> policies, String where) {
    if (policies.isEmpty()) {
      return HashPolicy.NONE;
    }
    List<HashPolicy.Method> methods = new ArrayList<>(policies.size());
    for (int i = 0; i < policies.size(); i++) {
      RouteAction.HashPolicy p = policies.get(i);
      String w = where + ".hash_policy[" + i + "]";
      boolean terminal = p.getTerminal();
      switch (p.getPolicySpecifierCase()) {
        case HEADER -> {
          var h = p.getHeader();
          FieldGuard.onlySupported(h, w + ".header", Set.of("header_name", "regex_rewrite"));
          String name = h.getHeaderName().toLowerCase(Locale.ROOT);
          if (name.isEmpty()) {
            throw new ConfigException(w + ".header.header_name: must not be empty");
          }
          PathRewrite rewrite = h.hasRegexRewrite()
              ? RouteFeatureTranslator.regexRewrite(h.getRegexRewrite(), w + ".header.regex_rewrite") : null;
          // Envoy reads :authority for "host" (HTTP/1.1 Host arrives as the host header here).
          methods.add(new HashPolicy.Header(name.equals(":authority") ? "host" : name, rewrite, terminal));
        }
        case COOKIE -> {
          var c = p.getCookie();
          FieldGuard.onlySupported(c, w + ".cookie", Set.of("name", "ttl", "path", "attributes"));
          if (c.getName().isEmpty()) {
            throw new ConfigException(w + ".cookie.name: must not be empty");
          }
          Duration ttl = c.hasTtl() ? Duration.ofSeconds(c.getTtl().getSeconds()) : null;
          if (ttl != null && ttl.isNegative()) {
            throw new ConfigException(w + ".cookie.ttl: must not be negative");
          }
          List<HashPolicy.CookieAttribute> attrs = new ArrayList<>();
          for (var a : c.getAttributesList()) {
            if (a.getName().isEmpty()) {
              throw new ConfigException(w + ".cookie.attributes: an attribute needs a name");
            }
            attrs.add(new HashPolicy.CookieAttribute(a.getName(), a.getValue()));
          }
          methods.add(new HashPolicy.Cookie(c.getName(), ttl, c.getPath(), List.copyOf(attrs), terminal));
        }
        case CONNECTION_PROPERTIES -> {
          FieldGuard.onlySupported(p.getConnectionProperties(), w + ".connection_properties", Set.of("source_ip"));
          if (p.getConnectionProperties().getSourceIp()) {
            methods.add(new HashPolicy.SourceIp(terminal)); // false adds nothing, as in Envoy
          }
        }
        case QUERY_PARAMETER -> {
          FieldGuard.onlySupported(p.getQueryParameter(), w + ".query_parameter", Set.of("name"));
          if (p.getQueryParameter().getName().isEmpty()) {
            throw new ConfigException(w + ".query_parameter.name: must not be empty");
          }
          methods.add(new HashPolicy.QueryParameter(p.getQueryParameter().getName(), terminal));
        }
        case FILTER_STATE -> throw new ConfigException(w + ".filter_state: not supported (this data plane keeps no filter "
            + "state objects to hash; use header, cookie, connection_properties or query_parameter)");
        default -> throw new ConfigException(w + ": one of header, cookie, connection_properties, query_parameter is required");
      }
    }
    return new HashPolicy(List.copyOf(methods));
  }
}

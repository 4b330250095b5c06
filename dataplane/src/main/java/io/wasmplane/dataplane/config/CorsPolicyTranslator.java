package io.wasmplane.dataplane.config;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Translates CORS policies once: the filter's typed per-route config and the deprecated route-level {@code cors}
 * field of a virtual host or route action (same fields, other field numbers).
 */
final class CorsPolicyTranslator {
  private static final Set<String> FIELDS = Set.of("allow_origin_string_match", "allow_methods", "allow_headers",
      "expose_headers", "max_age", "allow_credentials", "filter_enabled", "shadow_enabled", "allow_private_network_access",
      "forward_not_matching_preflights");

  private CorsPolicyTranslator() {}

  static CorsPolicyConfig translate(io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy p, String where) {
    FieldGuard.onlySupported(p, where, FIELDS);
    return build(p.getAllowOriginStringMatchList(), p.getAllowMethods(), p.getAllowHeaders(), p.getExposeHeaders(), p.getMaxAge(),
        p.hasAllowCredentials() ? p.getAllowCredentials() : null,
        p.hasAllowPrivateNetworkAccess() ? p.getAllowPrivateNetworkAccess() : null,
        p.hasForwardNotMatchingPreflights() ? p.getForwardNotMatchingPreflights() : null,
        p.hasFilterEnabled() ? p.getFilterEnabled() : null, p.hasShadowEnabled() ? p.getShadowEnabled() : null, where);
  }

  static CorsPolicyConfig translate(io.envoyproxy.envoy.config.route.v3.CorsPolicy p, String where) {
    FieldGuard.onlySupported(p, where, FIELDS);
    return build(p.getAllowOriginStringMatchList(), p.getAllowMethods(), p.getAllowHeaders(), p.getExposeHeaders(), p.getMaxAge(),
        p.hasAllowCredentials() ? p.getAllowCredentials() : null,
        p.hasAllowPrivateNetworkAccess() ? p.getAllowPrivateNetworkAccess() : null,
        p.hasForwardNotMatchingPreflights() ? p.getForwardNotMatchingPreflights() : null,
        p.hasFilterEnabled() ? p.getFilterEnabled() : null, p.hasShadowEnabled() ? p.getShadowEnabled() : null, where);
  }

  private static CorsPolicyConfig build(List<StringMatcher> origins, String methods, String headers, String expose, String maxAge,
      BoolValue credentials, BoolValue privateNetwork, BoolValue forward, RuntimeFractionalPercent enabled,
      RuntimeFractionalPercent shadow, String where) {
    List<StringMatch> allow = new ArrayList<>();
    for (int i = 0; i < origins.size(); i++) {
      allow.add(RouteFeatureTranslator.stringMatch(origins.get(i), where + ".allow_origin_string_match[" + i + "]"));
    }
    return new CorsPolicyConfig(allow, methods, headers, expose, maxAge, value(credentials), value(privateNetwork), value(forward),
        enabled == null ? CorsPolicyConfig.ALWAYS : RouteFeatureTranslator.runtimeFraction(enabled, where + ".filter_enabled"),
        shadow == null ? 0 : RouteFeatureTranslator.runtimeFraction(shadow, where + ".shadow_enabled"));
  }

  private static Boolean value(BoolValue v) {
    return v == null ? null : v.getValue();
  }
}

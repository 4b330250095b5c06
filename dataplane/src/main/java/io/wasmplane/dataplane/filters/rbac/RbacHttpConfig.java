package io.wasmplane.dataplane.filters.rbac;

import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute;
import io.wasmplane.dataplane.config.ConfigMatchers;
import io.wasmplane.dataplane.config.RouteFilterConfig;
import java.util.Set;

/**
 * A translated envoy.extensions.filters.http.rbac.v3.RBAC: the enforced engine and the shadow engine (each null when
 * absent: nothing enforced / nothing shadowed). Also a route's RBACPerRoute, which replaces the filter's config on that
 * route (the most specific level wins); a per-route config without {@code rbac} disables the filter there.
 */
public record RbacHttpConfig(RbacEngine rules, RbacEngine shadowRules, String rulesStatPrefix, String shadowRulesStatPrefix)
    implements RouteFilterConfig {
  public static final String TYPE = RBAC.getDescriptor().getFullName();
  public static final String PER_ROUTE_TYPE = RBACPerRoute.getDescriptor().getFullName();
  private static final RbacHttpConfig DISABLED = new RbacHttpConfig(null, null, "", "");

  public static RbacHttpConfig translate(RBAC rbac, String where) {
    // matcher / shadow_matcher (the xDS matcher API) and track_per_rule_stats are refused here, by name.
    ConfigMatchers.onlySupported(rbac, where, Set.of("rules", "shadow_rules", "rules_stat_prefix", "shadow_rules_stat_prefix"));
    return new RbacHttpConfig(rbac.hasRules() ? RbacTranslator.engine(rbac.getRules(), where + ".rules") : null,
        rbac.hasShadowRules() ? RbacTranslator.engine(rbac.getShadowRules(), where + ".shadow_rules") : null,
        rbac.getRulesStatPrefix(), rbac.getShadowRulesStatPrefix());
  }

  public static RbacHttpConfig perRoute(RBACPerRoute perRoute, String where) {
    ConfigMatchers.onlySupported(perRoute, where, Set.of("rbac"));
    return perRoute.hasRbac() ? translate(perRoute.getRbac(), where + ".rbac") : DISABLED;
  }

  @Override
  public RouteFilterConfig under(RouteFilterConfig lessSpecific) {
    return this;
  }
}

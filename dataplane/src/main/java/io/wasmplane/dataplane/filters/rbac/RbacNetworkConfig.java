package io.wasmplane.dataplane.filters.rbac;

import io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC;
import io.netty.channel.ChannelHandler;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.ConfigMatchers;
import io.wasmplane.dataplane.config.NativeNetworkFilter;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A translated envoy.extensions.filters.network.rbac.v3.RBAC: enforced and shadow engines (null: absent), its stat
 * prefix. Evaluated once per connection, on its first (decrypted) bytes: Envoy's ONE_TIME_ON_FIRST_BYTE.
 */
public record RbacNetworkConfig(RbacEngine rules, RbacEngine shadowRules, String statPrefix, String shadowRulesStatPrefix)
    implements NativeNetworkFilter {
  public static final String TYPE = RBAC.getDescriptor().getFullName();

  public static RbacNetworkConfig translate(RBAC rbac, String where) {
    // matcher / shadow_matcher (the xDS matcher API) and delay_deny are refused here, by name.
    ConfigMatchers.onlySupported(rbac, where, Set.of("rules", "shadow_rules", "stat_prefix", "shadow_rules_stat_prefix",
        "enforcement_type"));
    if (rbac.getStatPrefix().isEmpty()) {
      throw new ConfigException(where + ".stat_prefix: required");
    }
    if (rbac.getEnforcementType() != RBAC.EnforcementType.ONE_TIME_ON_FIRST_BYTE) {
      throw new ConfigException(where + ".enforcement_type: " + rbac.getEnforcementType()
          + " is not supported (ONE_TIME_ON_FIRST_BYTE only: nothing a rule here reads changes during a connection)");
    }
    return new RbacNetworkConfig(rbac.hasRules() ? RbacTranslator.engine(rbac.getRules(), where + ".rules") : null,
        rbac.hasShadowRules() ? RbacTranslator.engine(rbac.getShadowRules(), where + ".shadow_rules") : null,
        rbac.getStatPrefix(), rbac.getShadowRulesStatPrefix());
  }

  @Override
  public Supplier<ChannelHandler> bind(StatsRegistry registry) {
    String scope = statPrefix.endsWith(".") ? statPrefix : statPrefix + "."; // Envoy joins the prefix with one dot
    RbacStats stats = RbacStats.of(name -> registry.counter(scope + name), "", shadowRulesStatPrefix);
    return () -> new RbacNetworkFilter(this, stats);
  }
}

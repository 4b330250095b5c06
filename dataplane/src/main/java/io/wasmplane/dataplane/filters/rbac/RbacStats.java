package io.wasmplane.dataplane.filters.rbac;

import io.wasmplane.dataplane.stats.Counter;
import java.util.function.Function;

/**
 * Envoy's RBAC counters under {@code <prefix>rbac.}: allowed / denied after the rules stat prefix, shadow_allowed /
 * shadow_denied after the shadow rules stat prefix (both prefixes are prepended as given, as Envoy does).
 */
record RbacStats(Counter allowed, Counter denied, Counter shadowAllowed, Counter shadowDenied) {
  /** {@code counter} resolves a name in the filter's scope: "http.<hcm stat_prefix>." or the network "<stat_prefix>.". */
  static RbacStats of(Function<String, Counter> counter, String rulesPrefix, String shadowPrefix) {
    return new RbacStats(counter.apply("rbac." + rulesPrefix + "allowed"), counter.apply("rbac." + rulesPrefix + "denied"),
        counter.apply("rbac." + shadowPrefix + "shadow_allowed"), counter.apply("rbac." + shadowPrefix + "shadow_denied"));
  }

  /**
   * Runs the shadow engine (counted, never enforced), then the enforced one (counted); returns the enforced decision,
   * null when there are no enforced rules.
   */
  RbacEngine.Decision evaluate(RbacEngine rules, RbacEngine shadow, RbacInput in) {
    if (shadow != null) {
      (shadow.evaluate(in).allowed() ? shadowAllowed : shadowDenied).inc();
    }
    if (rules == null) {
      return null;
    }
    RbacEngine.Decision d = rules.evaluate(in);
    (d.allowed() ? allowed : denied).inc();
    return d;
  }
}

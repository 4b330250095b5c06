package io.wasmplane.dataplane.filters.rbac;

import java.util.List;

/**
 * One compiled config.rbac.v3.RBAC: its action and its policies in name order (Envoy keeps them in an ordered map, so
 * the first matching name is the effective policy). ALLOW allows a request some policy matches, DENY one no policy
 * matches, LOG allows every request.
 */
public final class RbacEngine {
  public enum Action { ALLOW, DENY, LOG }

  /** A policy matches when any of its permissions and any of its principals match. */
  record Policy(String name, RbacRule permissions, RbacRule principals) {
    boolean matches(RbacInput in) {
      return permissions.matches(in) && principals.matches(in);
    }
  }

  /** The outcome; {@code policy} is the first matching policy's name, or null. */
  public record Decision(boolean allowed, String policy) {
    /** Envoy's response code details / connection termination details of a denial. */
    public String details() {
      return "rbac_access_denied_matched_policy[" + (policy == null ? "none" : policy) + "]";
    }
  }

  private final Action action;
  private final List<Policy> policies;

  RbacEngine(Action action, List<Policy> policies) {
    this.action = action;
    this.policies = List.copyOf(policies);
  }

  public Action action() {
    return action;
  }

  public Decision evaluate(RbacInput in) {
    String matched = null;
    for (Policy p : policies) {
      if (p.matches(in)) {
        matched = p.name();
        break;
      }
    }
    boolean allowed = switch (action) {
      case ALLOW -> matched != null;
      case DENY -> matched == null;
      case LOG -> true;
    };
    return new Decision(allowed, matched);
  }
}

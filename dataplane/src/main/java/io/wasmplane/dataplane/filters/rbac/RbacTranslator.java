package io.wasmplane.dataplane.filters.rbac;

import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.ConfigMatchers;
import io.wasmplane.dataplane.config.IpPrefix;
import io.wasmplane.dataplane.config.MetadataMatcherSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Compiles a config.rbac.v3.RBAC once into an {@link RbacEngine}. Every field that is not implemented is refused with
 * its path: ignoring a rule would let through (or shut out) traffic the operator meant otherwise.
 */
public final class RbacTranslator {
  private static final String PERMISSIONS = "any, header, url_path, destination_ip, destination_port, destination_port_range, "
      + "and_rules, or_rules, not_rule, requested_server_name, metadata";
  private static final String PRINCIPALS = "any, authenticated, direct_remote_ip, remote_ip, source_ip, header, url_path, "
      + "and_ids, or_ids, not_id, metadata";

  private RbacTranslator() {}

  public static RbacEngine engine(RBAC rbac, String where) {
    ConfigMatchers.onlySupported(rbac, where, Set.of("action", "policies"));
    RbacEngine.Action action = switch (rbac.getAction()) {
      case ALLOW -> RbacEngine.Action.ALLOW;
      case DENY -> RbacEngine.Action.DENY;
      case LOG -> RbacEngine.Action.LOG;
      default -> throw new ConfigException(where + ".action: unknown value " + rbac.getActionValue());
    };
    List<RbacEngine.Policy> policies = new ArrayList<>();
    for (Map.Entry<String, Policy> e : new TreeMap<>(rbac.getPoliciesMap()).entrySet()) {
      policies.add(policy(e.getKey(), e.getValue(), where + ".policies[" + e.getKey() + "]"));
    }
    return new RbacEngine(action, policies);
  }

  private static RbacEngine.Policy policy(String name, Policy p, String where) {
    ConfigMatchers.onlySupported(p, where, Set.of("permissions", "principals"));
    if (p.getPermissionsCount() == 0) {
      throw new ConfigException(where + ".permissions: at least one permission is required");
    }
    if (p.getPrincipalsCount() == 0) {
      throw new ConfigException(where + ".principals: at least one principal is required");
    }
    List<RbacRule> permissions = new ArrayList<>();
    for (int i = 0; i < p.getPermissionsCount(); i++) {
      permissions.add(permission(p.getPermissions(i), where + ".permissions[" + i + "]"));
    }
    List<RbacRule> principals = new ArrayList<>();
    for (int i = 0; i < p.getPrincipalsCount(); i++) {
      principals.add(principal(p.getPrincipals(i), where + ".principals[" + i + "]"));
    }
    return new RbacEngine.Policy(name, new RbacRule.AnyOf(permissions), new RbacRule.AnyOf(principals));
  }

  static RbacRule permission(Permission p, String where) {
    return switch (p.getRuleCase()) {
      case ANY -> any(p.getAny(), where);
      case AND_RULES -> new RbacRule.All(permissions(p.getAndRules().getRulesList(), where + ".and_rules.rules"));
      case OR_RULES -> new RbacRule.AnyOf(permissions(p.getOrRules().getRulesList(), where + ".or_rules.rules"));
      case NOT_RULE -> new RbacRule.Not(permission(p.getNotRule(), where + ".not_rule"));
      case HEADER -> new RbacRule.Header(ConfigMatchers.header(p.getHeader(), where + ".header"));
      case URL_PATH -> urlPath(p.getUrlPath(), where + ".url_path");
      case DESTINATION_IP -> new RbacRule.Ip(RbacRule.AddressSource.DESTINATION, cidr(p.getDestinationIp(), where + ".destination_ip"));
      case DESTINATION_PORT -> {
        if (p.getDestinationPort() > 65535) {
          throw new ConfigException(where + ".destination_port: " + Integer.toUnsignedString(p.getDestinationPort())
              + " is not a port (0..65535)");
        }
        yield new RbacRule.DestinationPort(p.getDestinationPort(), p.getDestinationPort() + 1);
      }
      case DESTINATION_PORT_RANGE -> {
        int start = p.getDestinationPortRange().getStart();
        int end = p.getDestinationPortRange().getEnd();
        if (start < 0 || end > 65536 || start >= end) {
          throw new ConfigException(where + ".destination_port_range: [" + start + ", " + end + ") is not a port range");
        }
        yield new RbacRule.DestinationPort(start, end);
      }
      case REQUESTED_SERVER_NAME -> new RbacRule.ServerName(ConfigMatchers.string(p.getRequestedServerName(),
          where + ".requested_server_name"));
      case METADATA -> new RbacRule.Metadata(MetadataMatcherSpec.translate(p.getMetadata(), where + ".metadata"));
      case RULE_NOT_SET -> throw new ConfigException(where + ": a rule is required (one of: " + PERMISSIONS + ")");
      default -> throw new ConfigException(where + "." + p.getDescriptorForType().findFieldByNumber(p.getRuleCase().getNumber()).getName()
          + ": not supported (supported permissions: " + PERMISSIONS + ")");
    };
  }

  static RbacRule principal(Principal p, String where) {
    return switch (p.getIdentifierCase()) {
      case ANY -> any(p.getAny(), where);
      case AND_IDS -> new RbacRule.All(principals(p.getAndIds().getIdsList(), where + ".and_ids.ids"));
      case OR_IDS -> new RbacRule.AnyOf(principals(p.getOrIds().getIdsList(), where + ".or_ids.ids"));
      case NOT_ID -> new RbacRule.Not(principal(p.getNotId(), where + ".not_id"));
      case AUTHENTICATED -> {
        ConfigMatchers.onlySupported(p.getAuthenticated(), where + ".authenticated", Set.of("principal_name"));
        yield new RbacRule.Authenticated(p.getAuthenticated().hasPrincipalName()
            ? ConfigMatchers.string(p.getAuthenticated().getPrincipalName(), where + ".authenticated.principal_name") : null);
      }
      case SOURCE_IP -> new RbacRule.Ip(RbacRule.AddressSource.DIRECT_REMOTE, cidr(p.getSourceIp(), where + ".source_ip"));
      case DIRECT_REMOTE_IP -> new RbacRule.Ip(RbacRule.AddressSource.DIRECT_REMOTE, cidr(p.getDirectRemoteIp(), where + ".direct_remote_ip"));
      case REMOTE_IP -> new RbacRule.Ip(RbacRule.AddressSource.REMOTE, cidr(p.getRemoteIp(), where + ".remote_ip"));
      case HEADER -> new RbacRule.Header(ConfigMatchers.header(p.getHeader(), where + ".header"));
      case URL_PATH -> urlPath(p.getUrlPath(), where + ".url_path");
      case METADATA -> new RbacRule.Metadata(MetadataMatcherSpec.translate(p.getMetadata(), where + ".metadata"));
      case IDENTIFIER_NOT_SET -> throw new ConfigException(where + ": an identifier is required (one of: " + PRINCIPALS + ")");
      default -> throw new ConfigException(where + "." + p.getDescriptorForType().findFieldByNumber(p.getIdentifierCase().getNumber()).getName()
          + ": not supported (supported principals: " + PRINCIPALS + ")");
    };
  }

  private static RbacRule any(boolean any, String where) {
    if (!any) {
      throw new ConfigException(where + ".any: must be true");
    }
    return new RbacRule.Any();
  }

  private static List<RbacRule> permissions(List<Permission> rules, String where) {
    if (rules.isEmpty()) {
      throw new ConfigException(where + ": at least one rule is required");
    }
    List<RbacRule> out = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      out.add(permission(rules.get(i), where + "[" + i + "]"));
    }
    return out;
  }

  private static List<RbacRule> principals(List<Principal> ids, String where) {
    if (ids.isEmpty()) {
      throw new ConfigException(where + ": at least one id is required");
    }
    List<RbacRule> out = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      out.add(principal(ids.get(i), where + "[" + i + "]"));
    }
    return out;
  }

  private static RbacRule urlPath(PathMatcher m, String where) {
    ConfigMatchers.onlySupported(m, where, Set.of("path"));
    if (!m.hasPath()) {
      throw new ConfigException(where + ".path: required");
    }
    return new RbacRule.UrlPath(ConfigMatchers.string(m.getPath(), where + ".path"));
  }

  private static IpPrefix cidr(CidrRange c, String where) {
    ConfigMatchers.onlySupported(c, where, Set.of("address_prefix", "prefix_len"));
    return IpPrefix.parse(c.getAddressPrefix(), c.hasPrefixLen() ? c.getPrefixLen().getValue() : 0, where);
  }
}

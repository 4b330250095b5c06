package io.wasmplane.dataplane.filters.jwt;

import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.ConfigMatchers;
import io.wasmplane.dataplane.config.RouteFilterConfig;
import java.util.Set;

/**
 * A route's jwt_authn PerRouteConfig: {@code disabled} (no JWT checked on the route) or a {@code requirement_name}
 * from the filter's requirement_map, looked up per request (the name is resolved against whichever filter runs).
 * The most specific level wins.
 */
public record JwtPerRoute(boolean disabled, String requirementName) implements RouteFilterConfig {
  public static final String TYPE = PerRouteConfig.getDescriptor().getFullName();

  public static JwtPerRoute translate(PerRouteConfig c, String where) {
    ConfigMatchers.onlySupported(c, where, Set.of("disabled", "requirement_name"));
    return switch (c.getRequirementSpecifierCase()) {
      case DISABLED -> {
        if (!c.getDisabled()) {
          throw new ConfigException(where + ".disabled: must be true");
        }
        yield new JwtPerRoute(true, "");
      }
      case REQUIREMENT_NAME -> {
        if (c.getRequirementName().isEmpty()) {
          throw new ConfigException(where + ".requirement_name: must not be empty");
        }
        yield new JwtPerRoute(false, c.getRequirementName());
      }
      case REQUIREMENTSPECIFIER_NOT_SET -> throw new ConfigException(where + ": one of disabled, requirement_name is required");
    };
  }

  @Override
  public RouteFilterConfig under(RouteFilterConfig lessSpecific) {
    return this;
  }
}

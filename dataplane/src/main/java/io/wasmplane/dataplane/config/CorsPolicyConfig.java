package io.wasmplane.dataplane.config;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A CORS policy (envoy.extensions.filters.http.cors.v3.CorsPolicy, or the deprecated route-level
 * envoy.config.route.v3.CorsPolicy), as the CORS filter reads it. Combined over levels as Envoy's filter reads its
 * list of policies: each of origins, methods, headers, max age and the three booleans comes from the most specific
 * level that sets it; {@code filter_enabled} / {@code shadow_enabled} only from the most specific level. Empty
 * strings, an empty origin list and null booleans mean "not set here".
 */
public record CorsPolicyConfig(List<StringMatch> allowOrigins, String allowMethods, String allowHeaders, String exposeHeaders,
    String maxAge, Boolean allowCredentials, Boolean allowPrivateNetworkAccess, Boolean forwardNotMatchingPreflights,
    int filterEnabledPerMillion, int shadowEnabledPerMillion) implements RouteFilterConfig {

  public static final int ALWAYS = 1_000_000;

  public CorsPolicyConfig {
    allowOrigins = List.copyOf(allowOrigins);
  }

  @Override
  public CorsPolicyConfig under(RouteFilterConfig lessSpecific) {
    if (!(lessSpecific instanceof CorsPolicyConfig up)) {
      return this;
    }
    return new CorsPolicyConfig(allowOrigins.isEmpty() ? up.allowOrigins : allowOrigins,
        first(allowMethods, up.allowMethods), first(allowHeaders, up.allowHeaders), first(exposeHeaders, up.exposeHeaders),
        first(maxAge, up.maxAge), first(allowCredentials, up.allowCredentials),
        first(allowPrivateNetworkAccess, up.allowPrivateNetworkAccess),
        first(forwardNotMatchingPreflights, up.forwardNotMatchingPreflights), filterEnabledPerMillion, shadowEnabledPerMillion);
  }

  private static String first(String own, String upper) {
    return own.isEmpty() ? upper : own;
  }

  private static Boolean first(Boolean own, Boolean upper) {
    return own != null ? own : upper;
  }

  /** Envoy matches each pattern against "*" too: a pattern that accepts "*" allows every origin. */
  public boolean allowsOrigin(String origin) {
    for (StringMatch m : allowOrigins) {
      if (m.matches("*") || m.matches(origin)) {
        return true;
      }
    }
    return false;
  }

  public boolean credentials() {
    return Boolean.TRUE.equals(allowCredentials);
  }

  public boolean privateNetworkAccess() {
    return Boolean.TRUE.equals(allowPrivateNetworkAccess);
  }

  /** Default true: a preflight whose origin is not allowed goes on to the upstream. */
  public boolean forwardsNotMatchingPreflights() {
    return forwardNotMatchingPreflights == null || forwardNotMatchingPreflights;
  }

  /** Drawn once per request (filter_enabled's default value; no runtime layer here). */
  public boolean drawEnabled() {
    return draw(filterEnabledPerMillion);
  }

  public boolean drawShadowEnabled() {
    return draw(shadowEnabledPerMillion);
  }

  private static boolean draw(int perMillion) {
    return perMillion >= ALWAYS || perMillion > 0 && ThreadLocalRandom.current().nextInt(ALWAYS) < perMillion;
  }
}

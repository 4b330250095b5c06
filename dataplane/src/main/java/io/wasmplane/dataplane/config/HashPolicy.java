package io.wasmplane.dataplane.config;

import java.time.Duration;
import java.util.List;

/**
 * A route's {@code hash_policy} entries, in order: how a request's hash key for RING_HASH / MAGLEV clusters is made
 * (see {@code router/RequestHash}). Each method may yield nothing for a request; {@code terminal} stops the list once a
 * hash exists.
 */
public record HashPolicy(List<Method> methods) {
  public static final HashPolicy NONE = new HashPolicy(List.of());

  public boolean isEmpty() {
    return methods.isEmpty();
  }

  /** One hash_policy entry. */
  public sealed interface Method {
    boolean terminal();
  }

  /** The values of a request header (lower-case name), each optionally regex-rewritten. */
  public record Header(String name, PathRewrite rewrite, boolean terminal) implements Method {}

  /**
   * A cookie's value; with a {@code ttl} a request without the cookie gets one generated (and a Set-Cookie on its
   * response: {@code path}, Max-Age unless the ttl is 0, {@code attributes}, HttpOnly).
   */
  public record Cookie(String name, Duration ttl, String path, List<CookieAttribute> attributes, boolean terminal) implements Method {}

  /** {@code name} alone when {@code value} is empty. */
  public record CookieAttribute(String name, String value) {}

  /** connection_properties.source_ip: the downstream client's IP. */
  public record SourceIp(boolean terminal) implements Method {}

  /** The first value of a query parameter. */
  public record QueryParameter(String name, boolean terminal) implements Method {}
}

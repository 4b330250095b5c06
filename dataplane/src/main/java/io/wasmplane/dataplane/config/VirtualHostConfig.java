package io.wasmplane.dataplane.config;

import java.util.List;

/**
 * A virtual host: the domains it serves and its ordered routes; {@code includeRequestAttemptCount} /
 * {@code includeAttemptCountInResponse} send x-envoy-attempt-count upstream / downstream.
 */
public record VirtualHostConfig(String name, List<String> domains, List<RouteEntry> routes, boolean includeRequestAttemptCount,
    boolean includeAttemptCountInResponse) {

  public VirtualHostConfig(String name, List<String> domains, List<RouteEntry> routes) {
    this(name, domains, routes, false, false);
  }
}

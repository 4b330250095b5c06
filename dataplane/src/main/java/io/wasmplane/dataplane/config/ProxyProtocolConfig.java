package io.wasmplane.dataplane.config;

import java.util.Set;

/**
 * Envoy's {@code envoy.filters.listener.proxy_protocol}: a PROXY protocol header (v1 text or v2 binary) is read and
 * consumed first; the addresses it carries become the connection's remote and local addresses.
 *
 * @param allowWithout {@code allow_requests_without_proxy_protocol}: a connection that starts with anything else goes on
 *     unchanged instead of being closed
 * @param disallowedVersions {@code disallowed_versions} as 1 or 2: such a header closes the connection
 * @param statPrefix {@code stat_prefix}: stats are {@code proxy_proto.[<stat_prefix>.]...}
 */
public record ProxyProtocolConfig(boolean allowWithout, Set<Integer> disallowedVersions, String statPrefix) {
  public ProxyProtocolConfig {
    disallowedVersions = Set.copyOf(disallowedVersions);
  }

  /** The root of this filter's stats. */
  public String statScope() {
    return statPrefix.isEmpty() ? "proxy_proto" : "proxy_proto." + statPrefix;
  }
}

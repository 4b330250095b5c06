package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.core.v3.ProxyProtocolConfig.Version;
import io.envoyproxy.envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol;
import java.util.HashSet;
import java.util.Set;

/** Translates {@code envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol}. */
final class ProxyProtocolFilter {
  private ProxyProtocolFilter() {}

  static ProxyProtocolConfig translate(ProxyProtocol p, String where) {
    // rules and pass_through_tlvs turn TLVs into dynamic metadata / filter state, which nothing here reads yet;
    // TLVs are skipped (as Envoy does for TLVs no rule names).
    FieldGuard.onlySupported(p, where, Set.of("allow_requests_without_proxy_protocol", "disallowed_versions", "stat_prefix"));
    Set<Integer> disallowed = new HashSet<>();
    for (int i = 0; i < p.getDisallowedVersionsCount(); i++) {
      Version v = p.getDisallowedVersions(i);
      switch (v) {
        case V1 -> disallowed.add(1);
        case V2 -> disallowed.add(2);
        default -> throw new ConfigException(where + ".disallowed_versions[" + i + "]: unknown version value "
            + p.getDisallowedVersionsValue(i));
      }
    }
    return new ProxyProtocolConfig(p.getAllowRequestsWithoutProxyProtocol(), disallowed, p.getStatPrefix());
  }
}

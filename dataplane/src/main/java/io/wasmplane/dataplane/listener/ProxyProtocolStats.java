package io.wasmplane.dataplane.listener;

import io.wasmplane.dataplane.config.ProxyProtocolConfig;
import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.StatsRegistry;

/** Envoy's PROXY protocol filter stats: {@code proxy_proto.[<stat_prefix>.]...} and {@code ...versions.v1|v2.*}. */
final class ProxyProtocolStats {
  final Counter notFoundAllowed;
  final Counter notFoundDisallowed;
  private final Counter[] found = new Counter[3];
  private final Counter[] disallowed = new Counter[3];
  private final Counter[] error = new Counter[3];

  ProxyProtocolStats(ProxyProtocolConfig config, StatsRegistry stats) {
    String scope = config.statScope();
    notFoundAllowed = stats.counter(scope + ".not_found_allowed");
    notFoundDisallowed = stats.counter(scope + ".not_found_disallowed");
    for (int v = 1; v <= 2; v++) {
      String versionScope = scope + ".versions.v" + v;
      found[v] = stats.counter(versionScope + ".found");
      disallowed[v] = stats.counter(versionScope + ".disallowed");
      error[v] = stats.counter(versionScope + ".error");
    }
  }

  Counter found(int version) {
    return found[version];
  }

  Counter disallowed(int version) {
    return disallowed[version];
  }

  Counter error(int version) {
    return error[version];
  }
}

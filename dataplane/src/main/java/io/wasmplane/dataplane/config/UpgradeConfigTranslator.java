package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.route.v3.RouteAction.UpgradeConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** upgrade_configs of an HttpConnectionManager and of a route, validated into {@link UpgradeConfigs}. */
final class UpgradeConfigTranslator {
  private UpgradeConfigTranslator() {}

  /** HCM level: {@code filters} (an upgrade-specific filter chain) is not implemented and refused. */
  static UpgradeConfigs hcm(List<HttpConnectionManager.UpgradeConfig> configs, String where) {
    Map<String, Boolean> out = new LinkedHashMap<>();
    for (int i = 0; i < configs.size(); i++) {
      HttpConnectionManager.UpgradeConfig c = configs.get(i);
      String w = where + ".upgrade_configs[" + i + "]";
      if (c.getFiltersCount() > 0) {
        throw new ConfigException(w + ".filters: upgrade-specific filter chains are not supported"
            + " (the HCM's http_filters apply to upgrades)");
      }
      FieldGuard.onlySupported(c, w, Set.of("upgrade_type", "enabled"));
      put(out, c.getUpgradeType(), !c.hasEnabled() || c.getEnabled().getValue(), w);
    }
    return new UpgradeConfigs(out);
  }

  /**
   * Route level: per-type overrides; {@code connect_config} (only on the CONNECT type) makes the proxy terminate
   * CONNECT; its {@code proxy_protocol_config} and {@code allow_post} are not implemented and refused.
   */
  static UpgradeConfigs route(List<UpgradeConfig> configs, String where) {
    Map<String, Boolean> out = new LinkedHashMap<>();
    boolean terminate = false;
    for (int i = 0; i < configs.size(); i++) {
      UpgradeConfig c = configs.get(i);
      String w = where + ".upgrade_configs[" + i + "]";
      FieldGuard.onlySupported(c, w, Set.of("upgrade_type", "enabled", "connect_config"));
      put(out, c.getUpgradeType(), !c.hasEnabled() || c.getEnabled().getValue(), w);
      if (c.hasConnectConfig()) {
        if (!c.getUpgradeType().trim().equalsIgnoreCase(UpgradeConfigs.CONNECT)) {
          throw new ConfigException(w + ".connect_config: only valid with upgrade_type CONNECT (got '" + c.getUpgradeType() + "')");
        }
        FieldGuard.onlySupported(c.getConnectConfig(), w + ".connect_config", Set.of());
        terminate = true;
      }
    }
    return new UpgradeConfigs(out, terminate);
  }

  private static void put(Map<String, Boolean> out, String type, boolean enabled, String where) {
    String t = type.trim().toLowerCase(Locale.ROOT);
    if (t.isEmpty()) {
      throw new ConfigException(where + ".upgrade_type: required");
    }
    if (out.put(t, enabled) != null) {
      throw new ConfigException(where + ".upgrade_type: duplicate upgrade type '" + type + "'");
    }
  }
}

package io.wasmplane.dataplane.config;

import java.util.Locale;
import java.util.Map;

/**
 * HTTP upgrade types (lower-cased, e.g. "websocket") and whether each is enabled: an HCM's {@code upgrade_configs},
 * or a route's overrides of them. Envoy allows an upgrade only when the HCM lists its type, and then the route's
 * entry for that type, if any, decides, else the HCM's {@code enabled}.
 */
public record UpgradeConfigs(Map<String, Boolean> enabledByType) {
  public static final UpgradeConfigs NONE = new UpgradeConfigs(Map.of());

  public UpgradeConfigs {
    enabledByType = Map.copyOf(enabledByType);
  }

  /** Whether an upgrade to {@code type} (the request's Upgrade header) may go through on a route with {@code route}. */
  public boolean allows(String type, UpgradeConfigs route) {
    String t = type.trim().toLowerCase(Locale.ROOT);
    Boolean hcm = enabledByType.get(t);
    if (hcm == null) {
      return false;
    }
    Boolean override = route.enabledByType.get(t);
    return override != null ? override : hcm;
  }
}

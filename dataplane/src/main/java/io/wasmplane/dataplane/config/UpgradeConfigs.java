package io.wasmplane.dataplane.config;

import java.util.Locale;
import java.util.Map;

/**
 * HTTP upgrade types (lower-cased, e.g. "websocket", "connect" for CONNECT requests) and whether each is enabled: an
 * HCM's {@code upgrade_configs}, or a route's overrides of them. As Envoy: a route's entry for the type decides; without
 * one, the HCM's entry does; a type neither lists is refused. {@code terminateConnect}: the route has
 * {@code connect_config}, so the proxy terminates CONNECT itself instead of forwarding it.
 */
public record UpgradeConfigs(Map<String, Boolean> enabledByType, boolean terminateConnect) {
  public static final UpgradeConfigs NONE = new UpgradeConfigs(Map.of());
  /** The upgrade type Envoy gives CONNECT requests. */
  public static final String CONNECT = "connect";

  public UpgradeConfigs {
    enabledByType = Map.copyOf(enabledByType);
  }

  public UpgradeConfigs(Map<String, Boolean> enabledByType) {
    this(enabledByType, false);
  }

  /** Whether an upgrade to {@code type} (the request's Upgrade header) may go through on a route with {@code route}. */
  public boolean allows(String type, UpgradeConfigs route) {
    String t = type.trim().toLowerCase(Locale.ROOT);
    Boolean override = route.enabledByType.get(t);
    if (override != null) {
      return override;
    }
    Boolean hcm = enabledByType.get(t);
    return hcm != null && hcm;
  }
}

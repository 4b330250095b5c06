package io.wasmplane.dataplane.admin;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer;
import java.util.List;

/**
 * /runtime in Envoy's shape: {@code {"layers": [...], "entries": {}}}. The layer names are the bootstrap's
 * layered_runtime ones (Envoy's default when it has none: a static "base" layer and the "admin" layer); no runtime key
 * is read by this data plane, so there are no entries.
 */
final class RuntimeDump {
  private RuntimeDump() {}

  static String json(Bootstrap bootstrap) {
    List<String> layers = bootstrap.hasLayeredRuntime()
        ? bootstrap.getLayeredRuntime().getLayersList().stream().map(RuntimeLayer::getName).toList()
        : List.of("base", "admin");
    StringBuilder sb = new StringBuilder("{\n \"layers\": [");
    for (int i = 0; i < layers.size(); i++) {
      sb.append(i == 0 ? "\n  " : ",\n  ").append('"').append(escape(layers.get(i))).append('"');
    }
    return sb.append(layers.isEmpty() ? "" : "\n ").append("],\n \"entries\": {}\n}\n").toString();
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}

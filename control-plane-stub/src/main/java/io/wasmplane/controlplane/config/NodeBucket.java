package io.wasmplane.controlplane.config;

import java.nio.charset.StandardCharsets;

/**
 * A node's stable position in [0, 100) for one plugin: sha256 of "plugin/nodeId". Salting with the plugin name
 * keeps the canary population of different plugins independent; the same node always lands in the same place.
 */
public final class NodeBucket {
  private NodeBucket() {}

  public static double of(String pluginName, String nodeId) {
    byte[] d = Sha256.digest((pluginName + "/" + nodeId).getBytes(StandardCharsets.UTF_8));
    long v = ((d[0] & 0xffL) << 24) | ((d[1] & 0xffL) << 16) | ((d[2] & 0xffL) << 8) | (d[3] & 0xffL);
    return v * 100.0 / (1L << 32);
  }
}

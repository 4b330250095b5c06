package io.wasmplane.controlplane.config;

import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.wasmplane.proto.rollout.v1.Selector;
import java.util.Map;
import java.util.Set;

/** Matches a node on id, cluster and string-rendered metadata values; an empty selector matches every node. */
public record NodeSelector(Set<String> nodeIds, Set<String> clusters, Map<String, String> metadata) {
  public static final NodeSelector ALL = new NodeSelector(Set.of(), Set.of(), Map.of());

  public static NodeSelector of(Selector s) {
    return new NodeSelector(Set.copyOf(s.getNodeIdsList()), Set.copyOf(s.getClustersList()),
        Map.copyOf(s.getMetadataMap()));
  }

  public boolean isEmpty() {
    return nodeIds.isEmpty() && clusters.isEmpty() && metadata.isEmpty();
  }

  public boolean matches(Node node) {
    if (!nodeIds.isEmpty() && !nodeIds.contains(node.getId())) {
      return false;
    }
    if (!clusters.isEmpty() && !clusters.contains(node.getCluster())) {
      return false;
    }
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      Value v = node.getMetadata().getFieldsMap().get(e.getKey());
      if (v == null || !e.getValue().equals(render(v))) {
        return false;
      }
    }
    return true;
  }

  private static String render(Value v) {
    return switch (v.getKindCase()) {
      case STRING_VALUE -> v.getStringValue();
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      case NUMBER_VALUE -> {
        double d = v.getNumberValue();
        yield d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
      }
      default -> v.toString();
    };
  }
}

package io.wasmplane.controlplane.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.wasmplane.controlplane.snapshot.TypeUrls;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each node was sent and what it said back: per type the last sent/ACKed version and the last NACK, and per
 * plugin (ECDS resource) the version label it runs (ACKed) or rejected (NACKed), and what it said it already held
 * when it last subscribed to a type (SotW {@code version_info}, delta {@code initial_resource_versions}): a node
 * that reconnects after the control plane restarted resumes from there.
 */
public final class NodeStatusRegistry {

  /** JSON view of one xDS type for one node. */
  public record TypeStatus(String sentVersion, String ackedVersion, String nackedVersion, String lastNackError,
      String lastNackAt, String subscribedWith) {}

  /** JSON view of one plugin on one node. */
  public record PluginStatus(String filter, String sent, String running, String rejected, String rejectError) {}

  /** JSON view of one node. */
  public record NodeStatus(String id, String cluster, String metadata, int streams, String lastSeen,
      Map<String, TypeStatus> types, List<PluginStatus> plugins) {}

  private static final class TypeRecord {
    String sent;
    String acked;
    String nacked;
    String nackError;
    String nackAt;
    String subscribedWith;
  }

  private static final class PluginRecord {
    String sent;
    String running;
    String rejected;
    String error;
  }

  private static final class NodeRecord {
    final String id;
    Node node;
    int streams;
    Instant lastSeen = Instant.now();
    final Map<String, TypeRecord> types = new TreeMap<>();
    final Map<String, PluginRecord> plugins = new TreeMap<>();

    NodeRecord(Node node) {
      this.id = node.getId();
      this.node = node;
    }
  }

  /** Told of each plugin version a node ACKs, on the stream's thread as the ACK is processed (tests, tooling). */
  @FunctionalInterface
  public interface AckListener {
    void running(String nodeId, String filter, String label);
  }

  private final ConcurrentHashMap<String, NodeRecord> nodes = new ConcurrentHashMap<>();
  private final List<AckListener> ackListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  public void addAckListener(AckListener l) {
    ackListeners.add(l);
  }

  void streamOpened(Node node) {
    NodeRecord r = nodes.computeIfAbsent(node.getId(), k -> new NodeRecord(node));
    synchronized (r) {
      r.node = node;
      r.streams++;
      r.lastSeen = Instant.now();
    }
  }

  void streamClosed(Node node) {
    NodeRecord r = nodes.get(node.getId());
    if (r != null) {
      synchronized (r) {
        r.streams = Math.max(0, r.streams - 1);
        r.lastSeen = Instant.now();
      }
    }
  }

  /**
   * The first request of a type on a stream: {@code held} is what the node says it already has (SotW: its
   * {@code version_info}; delta: {@code name=version} pairs of {@code initial_resource_versions}, sorted).
   */
  void subscribed(Node node, String typeUrl, String held) {
    update(node, r -> type(r, typeUrl).subscribedWith = held);
  }

  /** @param labels plugin version label per ECDS resource name in the response (null label = removed) */
  void sent(Node node, String typeUrl, String version, Map<String, String> labels) {
    update(node, r -> {
      type(r, typeUrl).sent = version;
      labels.forEach((name, label) -> {
        if (label != null) {
          r.plugins.computeIfAbsent(name, k -> new PluginRecord()).sent = label;
        }
      });
    });
  }

  void acked(Node node, String typeUrl, String version, Map<String, String> labels) {
    update(node, r -> {
      type(r, typeUrl).acked = version;
      labels.forEach((name, label) -> {
        if (label == null) {
          r.plugins.remove(name);
        } else {
          PluginRecord p = r.plugins.computeIfAbsent(name, k -> new PluginRecord());
          p.running = label;
          if (label.equals(p.rejected)) {
            p.rejected = null;
            p.error = null;
          }
        }
      });
    });
    labels.forEach((name, label) -> {
      if (label != null) {
        ackListeners.forEach(l -> l.running(node.getId(), name, label));
      }
    });
  }

  void nacked(Node node, String typeUrl, String version, String error, Map<String, String> labels) {
    update(node, r -> {
      TypeRecord t = type(r, typeUrl);
      t.nacked = version;
      t.nackError = error;
      t.nackAt = Instant.now().toString();
      labels.forEach((name, label) -> {
        if (label != null) {
          PluginRecord p = r.plugins.computeIfAbsent(name, k -> new PluginRecord());
          p.rejected = label;
          p.error = error;
        }
      });
    });
  }

  private void update(Node node, java.util.function.Consumer<NodeRecord> change) {
    NodeRecord r = nodes.computeIfAbsent(node.getId(), k -> new NodeRecord(node));
    synchronized (r) {
      r.lastSeen = Instant.now();
      change.accept(r);
    }
  }

  private static TypeRecord type(NodeRecord r, String typeUrl) {
    return r.types.computeIfAbsent(TypeUrls.shortName(typeUrl), k -> new TypeRecord());
  }

  /** The node as it last identified itself, if it ever connected. */
  public java.util.Optional<Node> node(String id) {
    NodeRecord r = nodes.get(id);
    if (r == null) {
      return java.util.Optional.empty();
    }
    synchronized (r) {
      return java.util.Optional.of(r.node);
    }
  }

  /** A consistent copy for the status endpoint and tests, nodes sorted by id. */
  public List<NodeStatus> view() {
    List<NodeStatus> out = new ArrayList<>();
    for (NodeRecord r : nodes.values()) {
      synchronized (r) {
        Map<String, TypeStatus> types = new TreeMap<>();
        r.types.forEach((k, t) -> types.put(k, new TypeStatus(t.sent, t.acked, t.nacked, t.nackError, t.nackAt,
            t.subscribedWith)));
        List<PluginStatus> plugins = new ArrayList<>();
        r.plugins.forEach((k, p) -> plugins.add(new PluginStatus(k, p.sent, p.running, p.rejected, p.error)));
        out.add(new NodeStatus(r.id, r.node.getCluster(), metadataJson(r.node), r.streams, r.lastSeen.toString(),
            types, plugins));
      }
    }
    out.sort(Comparator.comparing(NodeStatus::id));
    return out;
  }

  private static String metadataJson(Node node) {
    try {
      return JsonFormat.printer().omittingInsignificantWhitespace().print(node.getMetadata());
    } catch (InvalidProtocolBufferException e) {
      return "{}";
    }
  }
}

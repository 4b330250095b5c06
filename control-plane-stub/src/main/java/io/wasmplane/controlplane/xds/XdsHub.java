package io.wasmplane.controlplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.wasmplane.controlplane.config.CompiledConfig;
import io.wasmplane.controlplane.snapshot.NodeSnapshot;
import io.wasmplane.controlplane.snapshot.SnapshotBuilder;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The current config, the open streams, and the push of a new config to every stream. */
public final class XdsHub {
  /** A stream that can re-evaluate what its node should have and send the difference. */
  interface Stream {
    void push();
  }

  private volatile CompiledConfig config;
  private final AtomicLong generation = new AtomicLong();
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
  private final NodeStatusRegistry status = new NodeStatusRegistry();

  public XdsHub(CompiledConfig initial) {
    this.config = initial;
    generation.set(1);
  }

  /** Installs a new config and pushes it; each stream sends only types whose content for its node changed. */
  public void update(CompiledConfig next) {
    config = next;
    generation.incrementAndGet();
    for (Stream s : streams) {
      s.push();
    }
  }

  public long generation() {
    return generation.get();
  }

  public NodeStatusRegistry status() {
    return status;
  }

  /** What the current config gives this node (also what the debug endpoint shows). */
  public NodeSnapshot snapshotFor(Node node) {
    return SnapshotBuilder.build(config, node);
  }

  void register(Stream s) {
    streams.add(s);
  }

  void unregister(Stream s) {
    streams.remove(s);
  }
}

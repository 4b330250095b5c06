package io.wasmplane.controlplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.wasmplane.controlplane.snapshot.NodeSnapshot;
import io.wasmplane.controlplane.snapshot.TypeSnapshot;
import io.wasmplane.controlplane.snapshot.TypeUrls;
import io.wasmplane.controlplane.snapshot.XdsResource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One incremental (delta) stream. Per type it tracks the subscription and the version of each resource the client
 * holds (seeded from {@code initial_resource_versions}); each response carries only changed resources and the
 * names of resources the client holds that are gone. The client's versions are advanced when a response is sent,
 * so a NACK does not trigger a resend of the same content.
 */
final class DeltaStream implements StreamObserver<DeltaDiscoveryRequest>, XdsHub.Stream {
  private static final Logger log = LoggerFactory.getLogger(DeltaStream.class);

  private record Sent(String version, Map<String, String> labels) {}

  private static final class TypeState {
    boolean wildcard;
    final Set<String> names = new TreeSet<>();
    final Map<String, String> clientVersions = new HashMap<>();
    final Map<String, Sent> pending = new LinkedHashMap<>();
  }

  private final XdsHub hub;
  private final StreamObserver<DeltaDiscoveryResponse> out;
  private final Predicate<String> allowedType;
  private final Map<String, TypeState> types = new HashMap<>();
  private final Set<String> ignoredTypes = new java.util.HashSet<>();
  private Node node;
  private long nonces;
  private boolean closed;

  DeltaStream(XdsHub hub, StreamObserver<DeltaDiscoveryResponse> out, Predicate<String> allowedType) {
    this.hub = hub;
    this.out = out;
    this.allowedType = allowedType;
  }

  @Override
  public synchronized void onNext(DeltaDiscoveryRequest req) {
    if (closed) {
      return;
    }
    if (node == null) {
      if (!req.hasNode() || req.getNode().getId().isEmpty()) {
        close();
        out.onError(Status.INVALID_ARGUMENT.withDescription("the first DeltaDiscoveryRequest must carry node.id")
            .asRuntimeException());
        return;
      }
      node = req.getNode();
      hub.status().streamOpened(node);
      hub.register(this);
      log.info("node {} connected (delta)", node.getId());
    }
    String type = req.getTypeUrl();
    if (!allowedType.test(type)) {
      if (ignoredTypes.add(type)) {
        log.info("node {}: ignoring delta requests for unsupported type {}", node.getId(), type);
      }
      return;
    }
    TypeState st = types.get(type);
    boolean first = st == null;
    if (first) {
      st = new TypeState();
      types.put(type, st);
      st.clientVersions.putAll(req.getInitialResourceVersionsMap());
    }
    if (!req.getResponseNonce().isEmpty()) {
      Sent sent = st.pending.remove(req.getResponseNonce());
      if (sent == null) {
        log.debug("node {} {}: unknown nonce {}", node.getId(), TypeUrls.shortName(type), req.getResponseNonce());
      } else if (req.hasErrorDetail()) {
        log.warn("node {} NACKed {} version {}: {}", node.getId(), TypeUrls.shortName(type), sent.version(),
            req.getErrorDetail().getMessage());
        hub.status().nacked(node, type, sent.version(), req.getErrorDetail().getMessage(), sent.labels());
      } else {
        hub.status().acked(node, type, sent.version(), sent.labels());
      }
    }
    Set<String> newlySubscribed = new TreeSet<>();
    for (String n : req.getResourceNamesSubscribeList()) {
      if ("*".equals(n)) {
        st.wildcard = true;
      } else if (st.names.add(n)) {
        newlySubscribed.add(n);
      }
    }
    if (first && req.getResourceNamesSubscribeCount() == 0 && TypeUrls.legacyWildcard(type)) {
      st.wildcard = true;
    }
    for (String n : req.getResourceNamesUnsubscribeList()) {
      if ("*".equals(n)) {
        st.wildcard = false;
      } else {
        st.names.remove(n);
        st.clientVersions.remove(n);
      }
    }
    send(type, st, hub.snapshotFor(node), newlySubscribed, first, Part.BOTH);
  }

  @Override
  public synchronized void push() {
    if (closed || node == null) {
      return;
    }
    NodeSnapshot snap = hub.snapshotFor(node);
    // Additions and updates first (in make-before-break order), then removals in the reverse order, so a
    // listener stops referencing a filter config before that config is removed.
    for (String type : TypeUrls.PUSH_ORDER) {
      TypeState st = types.get(type);
      if (st != null) {
        send(type, st, snap, Set.of(), false, Part.UPDATES);
      }
    }
    for (String type : TypeUrls.REMOVAL_ORDER) {
      TypeState st = types.get(type);
      if (st != null) {
        send(type, st, snap, Set.of(), false, Part.REMOVALS);
      }
    }
  }

  private enum Part { UPDATES, REMOVALS, BOTH }

  private void send(String type, TypeState st, NodeSnapshot snap, Collection<String> newlySubscribed,
      boolean first, Part part) {
    TypeSnapshot ts = snap.of(type);
    List<XdsResource> changed = new ArrayList<>();
    for (XdsResource r : part == Part.REMOVALS ? List.<XdsResource>of() : ts.resources().values()) {
      boolean wanted = st.wildcard || st.names.contains(r.name());
      if (wanted && !r.version().equals(st.clientVersions.get(r.name()))) {
        changed.add(r);
      }
    }
    Set<String> removed = new TreeSet<>();
    for (String held : part == Part.UPDATES ? Set.<String>of() : st.clientVersions.keySet()) {
      if (!ts.resources().containsKey(held) && (st.wildcard || st.names.contains(held))) {
        removed.add(held);
      }
    }
    // Tell the client at once that a name it just asked for does not exist, so it need not wait for a timeout.
    for (String n : newlySubscribed) {
      if (!ts.resources().containsKey(n)) {
        removed.add(n);
      }
    }
    if (changed.isEmpty() && removed.isEmpty() && !first) {
      return;
    }
    String nonce = Long.toString(++nonces);
    DeltaDiscoveryResponse.Builder resp = DeltaDiscoveryResponse.newBuilder().setTypeUrl(type).setNonce(nonce)
        .setSystemVersionInfo(ts.version()).addAllRemovedResources(removed);
    Map<String, String> labels = new HashMap<>();
    for (XdsResource r : changed) {
      resp.addResources(Resource.newBuilder().setName(r.name()).setVersion(r.version()).setResource(r.body()));
      st.clientVersions.put(r.name(), r.version());
      if (r.pluginVersion() != null) {
        labels.put(r.name(), r.pluginVersion());
      }
    }
    for (String n : removed) {
      st.clientVersions.remove(n);
      if (TypeUrls.EXTENSION_CONFIG.equals(type)) {
        labels.put(n, null);
      }
    }
    st.pending.put(nonce, new Sent(ts.version(), java.util.Collections.unmodifiableMap(labels)));
    while (st.pending.size() > 64) {  // a client that never answers must not grow this without bound
      st.pending.remove(st.pending.keySet().iterator().next());
    }
    hub.status().sent(node, type, ts.version(), labels);
    log.debug("node {} {} delta: nonce {} changed {} removed {}", node.getId(), TypeUrls.shortName(type), nonce,
        changed.stream().map(XdsResource::name).toList(), removed);
    out.onNext(resp.build());
  }

  @Override
  public synchronized void onError(Throwable t) {
    close();
  }

  @Override
  public synchronized void onCompleted() {
    close();
    out.onCompleted();
  }

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    hub.unregister(this);
    if (node != null) {
      hub.status().streamClosed(node);
      log.info("node {} disconnected (delta)", node.getId());
    }
  }
}

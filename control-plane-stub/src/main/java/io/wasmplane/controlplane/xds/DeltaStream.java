package io.wasmplane.controlplane.xds;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.StreamObserver;
import io.wasmplane.controlplane.snapshot.NodeSnapshot;
import io.wasmplane.controlplane.snapshot.TypeSnapshot;
import io.wasmplane.controlplane.snapshot.TypeUrls;
import io.wasmplane.controlplane.snapshot.XdsResource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * One incremental (delta) stream. Per type it tracks the subscription and the version of each resource the client
 * holds (seeded from {@code initial_resource_versions}); each response carries only changed resources and the
 * names of resources the client holds that are gone. The client's versions are advanced when a response is sent,
 * so a NACK does not trigger a resend of the same content.
 */
final class DeltaStream
    extends XdsStreamBase<DeltaDiscoveryRequest, DeltaDiscoveryResponse, DeltaStream.TypeState> {

  private record Sent(String version, Map<String, String> labels) {}

  static final class TypeState {
    boolean wildcard;
    final Set<String> names = new TreeSet<>();
    final Map<String, String> clientVersions = new HashMap<>();
    final Map<String, Sent> pending = new LinkedHashMap<>();
  }

  private static final Protocol<DeltaDiscoveryRequest> PROTOCOL = new Protocol<>("delta",
      "delta requests", "DeltaDiscoveryRequest", r -> r.hasNode() ? r.getNode() : null,
      DeltaDiscoveryRequest::getTypeUrl, DeltaStream::heldVersions);

  DeltaStream(XdsHub hub, StreamObserver<DeltaDiscoveryResponse> out, Predicate<String> allowedType) {
    super(PROTOCOL, hub, out, allowedType);
  }

  @Override
  protected TypeState newTypeState(DeltaDiscoveryRequest req) {
    TypeState st = new TypeState();
    st.clientVersions.putAll(req.getInitialResourceVersionsMap());
    return st;
  }

  @Override
  protected void onRequest(DeltaDiscoveryRequest req, String type, TypeState st, boolean first) {
    // Delta answers are matched by nonce against every response still pending, whether or not it is the last.
    if (!req.getResponseNonce().isEmpty()) {
      Sent sent = st.pending.remove(req.getResponseNonce());
      if (sent == null) {
        log.debug("node {} {}: unknown nonce {}", node.getId(), TypeUrls.shortName(type), req.getResponseNonce());
      } else {
        recordReply(type, req.hasErrorDetail() ? req.getErrorDetail().getMessage() : null, sent.version(),
            sent.version(), sent.labels());
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
  protected void pushAll(NodeSnapshot snap) {
    // Additions and updates first (in make-before-break order), then removals in the reverse order, so a
    // listener stops referencing a filter config before that config is removed.
    forEachType(TypeUrls.PUSH_ORDER, (type, st) -> send(type, st, snap, Set.of(), false, Part.UPDATES));
    forEachType(TypeUrls.REMOVAL_ORDER, (type, st) -> send(type, st, snap, Set.of(), false, Part.REMOVALS));
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
    String nonce = nextNonce();
    DeltaDiscoveryResponse.Builder resp = DeltaDiscoveryResponse.newBuilder().setTypeUrl(type).setNonce(nonce)
        .setSystemVersionInfo(ts.version()).addAllRemovedResources(removed);
    Map<String, String> labels = new HashMap<>();
    for (XdsResource r : changed) {
      resp.addResources(Resource.newBuilder().setName(r.name()).setVersion(r.version()).setResource(r.body()));
      st.clientVersions.put(r.name(), r.version());
      addLabel(labels, r);
    }
    for (String n : removed) {
      st.clientVersions.remove(n);
      if (TypeUrls.EXTENSION_CONFIG.equals(type)) {
        labels.put(n, null);
      }
    }
    st.pending.put(nonce, new Sent(ts.version(), Collections.unmodifiableMap(labels)));
    while (st.pending.size() > 64) {  // a client that never answers must not grow this without bound
      st.pending.remove(st.pending.keySet().iterator().next());
    }
    log.debug("node {} {} delta: nonce {} changed {} removed {}", node.getId(), TypeUrls.shortName(type), nonce,
        changed.stream().map(XdsResource::name).toList(), removed);
    emit(type, ts.version(), labels, resp.build());
  }

  /** {@code initial_resource_versions} as sorted {@code name=version} pairs, for the status registry. */
  private static String heldVersions(DeltaDiscoveryRequest req) {
    return String.join(",", new java.util.TreeMap<>(req.getInitialResourceVersionsMap()).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).toList());
  }
}

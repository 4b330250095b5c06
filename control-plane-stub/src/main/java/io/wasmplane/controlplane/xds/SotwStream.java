package io.wasmplane.controlplane.xds;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import io.wasmplane.controlplane.snapshot.NodeSnapshot;
import io.wasmplane.controlplane.snapshot.TypeSnapshot;
import io.wasmplane.controlplane.snapshot.TypeUrls;
import io.wasmplane.controlplane.snapshot.XdsResource;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * One state-of-the-world stream (ADS or ECDS-only). Per type it tracks the subscription (wildcard or names) and
 * the last response; a response is sent when the version or the set of names to send differs from the last one,
 * so an ACK or a NACK of the current content causes no resend (no NACK ping-pong).
 */
final class SotwStream extends XdsStreamBase<DiscoveryRequest, DiscoveryResponse, SotwStream.TypeState> {

  static final class TypeState {
    boolean wildcard;
    boolean legacyWildcard;
    final Set<String> names = new TreeSet<>();
    String lastKey;
    String lastNonce = "";
    String lastVersion = "";
    Map<String, String> lastLabels = Map.of();
  }

  private static final Protocol<DiscoveryRequest> PROTOCOL = new Protocol<>("SotW",
      "requests", "DiscoveryRequest", r -> r.hasNode() ? r.getNode() : null, DiscoveryRequest::getTypeUrl,
      DiscoveryRequest::getVersionInfo);

  SotwStream(XdsHub hub, StreamObserver<DiscoveryResponse> out, Predicate<String> allowedType) {
    super(PROTOCOL, hub, out, allowedType);
  }

  @Override
  protected TypeState newTypeState(DiscoveryRequest req) {
    return new TypeState();
  }

  @Override
  protected void onRequest(DiscoveryRequest req, String type, TypeState st, boolean first) {
    // A nonce on the first request of a type belongs to an earlier stream (a reconnect): nothing to ACK here.
    // Only the last response's nonce is answered; a stale nonce ignores the whole request.
    if (!first && !req.getResponseNonce().isEmpty()) {
      if (!req.getResponseNonce().equals(st.lastNonce)) {
        log.debug("node {} {}: stale nonce {} (last {}), ignored", node.getId(), TypeUrls.shortName(type),
            req.getResponseNonce(), st.lastNonce);
        return;
      }
      // A NACK names the version it rejects as the last one sent; an ACK's version_info is what the client runs.
      recordReply(type, req.hasErrorDetail() ? req.getErrorDetail().getMessage() : null, st.lastVersion,
          req.getVersionInfo(), st.lastLabels);
    }
    subscribe(st, type, req.getResourceNamesList(), first);
    send(type, st, hub.snapshotFor(node), first);
  }

  private static void subscribe(TypeState st, String type, List<String> names, boolean first) {
    if (names.contains("*")) {
      st.wildcard = true;
      st.legacyWildcard = false;
    } else if (names.isEmpty() && (first ? TypeUrls.legacyWildcard(type) : st.legacyWildcard)) {
      st.wildcard = true;
      st.legacyWildcard = true;
    } else {
      st.wildcard = false;
      st.legacyWildcard = false;
    }
    st.names.clear();
    names.stream().filter(n -> !"*".equals(n)).forEach(st.names::add);
  }

  @Override
  protected void pushAll(NodeSnapshot snap) {
    forEachType(TypeUrls.PUSH_ORDER, (type, st) -> send(type, st, snap, false));
  }

  private void send(String type, TypeState st, NodeSnapshot snap, boolean force) {
    TypeSnapshot ts = snap.of(type);
    Map<String, XdsResource> chosen = new LinkedHashMap<>();
    ts.resources().forEach((name, r) -> {
      if (st.wildcard || st.names.contains(name)) {
        chosen.put(name, r);
      }
    });
    String key = ts.version() + "|" + String.join(",", chosen.keySet());
    if (!force && key.equals(st.lastKey)) {
      return;
    }
    String nonce = nextNonce();
    DiscoveryResponse.Builder resp = DiscoveryResponse.newBuilder().setVersionInfo(ts.version()).setTypeUrl(type)
        .setNonce(nonce);
    Map<String, String> labels = new HashMap<>();
    for (XdsResource r : chosen.values()) {
      resp.addResources(r.body());
      addLabel(labels, r);
    }
    st.lastKey = key;
    st.lastNonce = nonce;
    st.lastVersion = ts.version();
    st.lastLabels = Map.copyOf(labels);
    log.debug("node {} {}: sending version {} nonce {} resources {}", node.getId(), TypeUrls.shortName(type),
        ts.version(), nonce, chosen.keySet());
    emit(type, ts.version(), labels, resp.build());
  }
}

package io.wasmplane.controlplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One state-of-the-world stream (ADS or ECDS-only). Per type it tracks the subscription (wildcard or names) and
 * the last response; a response is sent when the version or the set of names to send differs from the last one,
 * so an ACK or a NACK of the current content causes no resend (no NACK ping-pong).
 */
final class SotwStream implements StreamObserver<DiscoveryRequest>, XdsHub.Stream {
  private static final Logger log = LoggerFactory.getLogger(SotwStream.class);

  private static final class TypeState {
    boolean wildcard;
    boolean legacyWildcard;
    final Set<String> names = new TreeSet<>();
    String lastKey;
    String lastNonce = "";
    String lastVersion = "";
    Map<String, String> lastLabels = Map.of();
  }

  private final XdsHub hub;
  private final StreamObserver<DiscoveryResponse> out;
  private final Predicate<String> allowedType;
  private final Map<String, TypeState> types = new HashMap<>();
  private final Set<String> ignoredTypes = new java.util.HashSet<>();
  private Node node;
  private long nonces;
  private boolean closed;

  SotwStream(XdsHub hub, StreamObserver<DiscoveryResponse> out, Predicate<String> allowedType) {
    this.hub = hub;
    this.out = out;
    this.allowedType = allowedType;
  }

  @Override
  public synchronized void onNext(DiscoveryRequest req) {
    if (closed) {
      return;
    }
    if (node == null) {
      if (!req.hasNode() || req.getNode().getId().isEmpty()) {
        fail(Status.INVALID_ARGUMENT.withDescription("the first DiscoveryRequest must carry node.id"));
        return;
      }
      node = req.getNode();
      hub.status().streamOpened(node);
      hub.register(this);
      log.info("node {} connected (SotW)", node.getId());
    }
    String type = req.getTypeUrl();
    if (!allowedType.test(type)) {
      if (ignoredTypes.add(type)) {
        log.info("node {}: ignoring requests for unsupported type {}", node.getId(), type);
      }
      return;
    }
    TypeState st = types.get(type);
    boolean first = st == null;
    if (first) {
      st = new TypeState();
      types.put(type, st);
    }
    // A nonce on the first request of a type belongs to an earlier stream (a reconnect): nothing to ACK here.
    if (!first && !req.getResponseNonce().isEmpty()) {
      if (!req.getResponseNonce().equals(st.lastNonce)) {
        log.debug("node {} {}: stale nonce {} (last {}), ignored", node.getId(), TypeUrls.shortName(type),
            req.getResponseNonce(), st.lastNonce);
        return;
      }
      if (req.hasErrorDetail()) {
        log.warn("node {} NACKed {} version {}: {}", node.getId(), TypeUrls.shortName(type), st.lastVersion,
            req.getErrorDetail().getMessage());
        hub.status().nacked(node, type, st.lastVersion, req.getErrorDetail().getMessage(), st.lastLabels);
      } else {
        log.debug("node {} ACKed {} version {}", node.getId(), TypeUrls.shortName(type), req.getVersionInfo());
        hub.status().acked(node, type, req.getVersionInfo(), st.lastLabels);
      }
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
  public synchronized void push() {
    if (closed || node == null) {
      return;
    }
    NodeSnapshot snap = hub.snapshotFor(node);
    for (String type : TypeUrls.PUSH_ORDER) {
      TypeState st = types.get(type);
      if (st != null) {
        send(type, st, snap, false);
      }
    }
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
    String nonce = Long.toString(++nonces);
    DiscoveryResponse.Builder resp = DiscoveryResponse.newBuilder().setVersionInfo(ts.version()).setTypeUrl(type)
        .setNonce(nonce);
    Map<String, String> labels = new HashMap<>();
    for (XdsResource r : chosen.values()) {
      resp.addResources(r.body());
      if (r.pluginVersion() != null) {
        labels.put(r.name(), r.pluginVersion());
      }
    }
    st.lastKey = key;
    st.lastNonce = nonce;
    st.lastVersion = ts.version();
    st.lastLabels = Map.copyOf(labels);
    hub.status().sent(node, type, ts.version(), labels);
    log.debug("node {} {}: sending version {} nonce {} resources {}", node.getId(), TypeUrls.shortName(type),
        ts.version(), nonce, chosen.keySet());
    out.onNext(resp.build());
  }

  @Override
  public synchronized void onError(Throwable t) {
    close();
    log.debug("stream of node {} failed: {}", node == null ? "?" : node.getId(), t.toString());
  }

  @Override
  public synchronized void onCompleted() {
    close();
    out.onCompleted();
  }

  private void fail(Status status) {
    close();
    out.onError(status.asRuntimeException());
  }

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    hub.unregister(this);
    if (node != null) {
      hub.status().streamClosed(node);
      log.info("node {} disconnected (SotW)", node.getId());
    }
  }
}

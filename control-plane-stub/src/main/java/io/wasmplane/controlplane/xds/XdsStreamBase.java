package io.wasmplane.controlplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.wasmplane.controlplane.snapshot.NodeSnapshot;
import io.wasmplane.controlplane.snapshot.TypeUrls;
import io.wasmplane.controlplane.snapshot.XdsResource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a SotW and a delta stream share: the node bookkeeping (the first request must carry {@code node.id}; the
 * stream registers with the hub and the status registry), the filtering of unsupported types, the per-type state,
 * nonces, the recording of ACKs and NACKs, of sent responses, and the close. Each protocol supplies how it reads a
 * request, how it answers one and how it pushes a new config.
 *
 * @param <Q> the request type
 * @param <R> the response type
 * @param <S> the per-type state of the protocol
 */
abstract class XdsStreamBase<Q, R, S> implements StreamObserver<Q>, XdsHub.Stream {
  /** The logger of the concrete stream class. */
  protected final Logger log = LoggerFactory.getLogger(getClass());
  protected final XdsHub hub;
  private final StreamObserver<R> out;
  private final Predicate<String> allowedType;
  private final Protocol<Q> protocol;
  private final Map<String, S> types = new HashMap<>();
  private final Set<String> ignoredTypes = new HashSet<>();
  protected Node node;
  private long nonces;
  private boolean closed;

  /**
   * How a protocol reads its requests and names itself.
   *
   * @param name "delta" or "SotW", for log lines
   * @param requests what the log calls its requests ("delta requests" or "requests")
   * @param requestName the request message, for the error on a first request without node id
   * @param nodeOf the request's node, or null when it carries none
   * @param typeUrlOf the request's type URL
   * @param heldOf what a first request of a type says the client already holds, for the status registry
   */
  record Protocol<Q>(String name, String requests, String requestName, Function<Q, Node> nodeOf,
      Function<Q, String> typeUrlOf, Function<Q, String> heldOf) {}

  XdsStreamBase(Protocol<Q> protocol, XdsHub hub, StreamObserver<R> out, Predicate<String> allowedType) {
    this.protocol = protocol;
    this.hub = hub;
    this.out = out;
    this.allowedType = allowedType;
  }

  /** A new state for a type the client asks for the first time in this stream. */
  protected abstract S newTypeState(Q req);

  /** Handles a request of an allowed type, with its state ({@code first}: just created). */
  protected abstract void onRequest(Q req, String type, S st, boolean first);

  /** Sends what changed for every type the client asked for. */
  protected abstract void pushAll(NodeSnapshot snap);

  @Override
  public final synchronized void onNext(Q req) {
    if (closed) {
      return;
    }
    if (node == null) {
      Node n = protocol.nodeOf().apply(req);
      if (n == null || n.getId().isEmpty()) {
        close();
        out.onError(Status.INVALID_ARGUMENT
            .withDescription("the first " + protocol.requestName() + " must carry node.id").asRuntimeException());
        return;
      }
      node = n;
      hub.status().streamOpened(node);
      hub.register(this);
      log.info("node {} connected ({})", node.getId(), protocol.name());
    }
    String type = protocol.typeUrlOf().apply(req);
    if (!allowedType.test(type)) {
      if (ignoredTypes.add(type)) {
        log.info("node {}: ignoring {} for unsupported type {}", node.getId(), protocol.requests(), type);
      }
      return;
    }
    S st = types.get(type);
    boolean first = st == null;
    if (first) {
      st = newTypeState(req);
      types.put(type, st);
      hub.status().subscribed(node, type, protocol.heldOf().apply(req));
    }
    onRequest(req, type, st, first);
  }

  @Override
  public final synchronized void push() {
    if (closed || node == null) {
      return;
    }
    pushAll(hub.snapshotFor(node));
  }

  /** Calls {@code action} for each type in {@code order} the client has asked for. */
  protected final void forEachType(List<String> order, BiConsumer<String, S> action) {
    for (String type : order) {
      S st = types.get(type);
      if (st != null) {
        action.accept(type, st);
      }
    }
  }

  protected final String nextNonce() {
    return Long.toString(++nonces);
  }

  /** Records the plugin version label of a resource, if it has one. */
  protected static void addLabel(Map<String, String> labels, XdsResource r) {
    if (r.pluginVersion() != null) {
      labels.put(r.name(), r.pluginVersion());
    }
  }

  /** Records a NACK ({@code errorMessage} non-null, of {@code nackedVersion}) or an ACK of {@code ackedVersion}. */
  protected final void recordReply(String type, String errorMessage, String nackedVersion, String ackedVersion,
      Map<String, String> labels) {
    if (errorMessage != null) {
      log.warn("node {} NACKed {} version {}: {}", node.getId(), TypeUrls.shortName(type), nackedVersion,
          errorMessage);
      hub.status().nacked(node, type, nackedVersion, errorMessage, labels);
    } else {
      log.debug("node {} ACKed {} version {}", node.getId(), TypeUrls.shortName(type), ackedVersion);
      hub.status().acked(node, type, ackedVersion, labels);
    }
  }

  /** Records a response as sent to the node and sends it. */
  protected final void emit(String type, String version, Map<String, String> labels, R resp) {
    hub.status().sent(node, type, version, labels);
    out.onNext(resp);
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

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    hub.unregister(this);
    if (node != null) {
      hub.status().streamClosed(node);
      log.info("node {} disconnected ({})", node.getId(), protocol.name());
    }
  }
}

package io.wasmplane.xds;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Channel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;

/**
 * Incremental ADS: the first request of a type on a stream carries the whole subscription and the versions the
 * client already holds ({@code initial_resource_versions}); later ones only subscribe/unsubscribe differences.
 */
final class DeltaAdsStream extends AdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  private static final String WILDCARD = "*";
  /** What the server believes we subscribe to, per type ("*" included when wildcard was spelled out). */
  private final Map<String, Set<String>> sent = new HashMap<>();
  /** Types whose wildcard was requested the legacy way (empty first subscribe list) on this stream. */
  private final Map<String, Boolean> legacyWildcard = new HashMap<>();

  DeltaAdsStream(Channel channel, String typeUrl, Executor executor, Events events, Node node,
      boolean nodeOnFirstMessageOnly) {
    super(channel, StreamMethods.delta(typeUrl), executor, events, node, nodeOnFirstMessageOnly);
  }

  @Override
  protected IncomingResponse decode(DeltaDiscoveryResponse m) {
    List<IncomingResponse.Resource> resources = new ArrayList<>(m.getResourcesCount());
    for (Resource r : m.getResourcesList()) {
      resources.add(new IncomingResponse.Resource(r.getName(), r.getVersion(), r.hasResource() ? r.getResource() : null));
    }
    return new IncomingResponse(m.getTypeUrl(), m.getSystemVersionInfo(), m.getNonce(), resources,
        List.copyOf(m.getRemovedResourcesList()), true);
  }

  @Override
  void sendSubscription(TypeState<?> state) {
    String url = state.type.typeUrl();
    boolean first = !sent.containsKey(url);
    if (first && !state.isSubscribed()) {
      return;
    }
    Set<String> wanted = state.names();
    if (first) {
      // A wildcard without names is the legacy empty subscribe list on the first request.
      legacyWildcard.put(url, state.isWildcard() && wanted.isEmpty());
    }
    boolean legacy = legacyWildcard.getOrDefault(url, false);
    if (state.isWildcard() && !(legacy && wanted.isEmpty())) {
      wanted.add(WILDCARD);
    }
    DeltaDiscoveryRequest.Builder b = DeltaDiscoveryRequest.newBuilder().setTypeUrl(url);
    if (first) {
      b.addAllResourceNamesSubscribe(wanted);
      state.entries.forEach((name, e) -> {
        if (e.version != null && state.isInterestedIn(name)) {
          b.putInitialResourceVersions(name, e.version);
        }
      });
    } else {
      Set<String> previous = sent.get(url);
      Set<String> subscribe = new TreeSet<>(wanted);
      subscribe.removeAll(previous);
      Set<String> unsubscribe = new TreeSet<>(previous);
      unsubscribe.removeAll(wanted);
      if (legacy && !state.isWildcard()) {
        unsubscribe.add(WILDCARD);
      }
      if (subscribe.isEmpty() && unsubscribe.isEmpty()) {
        return;
      }
      b.addAllResourceNamesSubscribe(subscribe).addAllResourceNamesUnsubscribe(unsubscribe);
    }
    if (wanted.contains(WILDCARD) || !state.isWildcard()) {
      legacyWildcard.put(url, false);
    }
    sent.put(url, new HashSet<>(wanted));
    if (includeNode()) {
      b.setNode(node);
    }
    send(b.build());
  }

  @Override
  void sendAckOrNack(TypeState<?> state, String nonce, String error) {
    DeltaDiscoveryRequest.Builder b = DeltaDiscoveryRequest.newBuilder()
        .setTypeUrl(state.type.typeUrl())
        .setResponseNonce(nonce);
    if (error != null) {
      b.setErrorDetail(com.google.rpc.Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(error));
    }
    if (includeNode()) {
      b.setNode(node);
    }
    send(b.build());
  }
}

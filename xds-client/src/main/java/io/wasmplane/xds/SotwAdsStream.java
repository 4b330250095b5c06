package io.wasmplane.xds;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * State-of-the-world ADS: every request carries the type's whole subscription, the last accepted version_info and
 * the nonce of the last response of that type (so the server never takes it for a stale request).
 */
final class SotwAdsStream extends AdsStream<DiscoveryRequest, DiscoveryResponse> {
  private final Map<String, String> nonces = new HashMap<>();
  private final Map<String, Set<String>> sentNames = new HashMap<>();

  SotwAdsStream(Channel channel, String typeUrl, Executor executor, Events events, Node node,
      boolean nodeOnFirstMessageOnly) {
    super(channel, StreamMethods.sotw(typeUrl), executor, events, node, nodeOnFirstMessageOnly);
  }

  @Override
  protected IncomingResponse decode(DiscoveryResponse m) {
    nonces.put(m.getTypeUrl(), m.getNonce());
    List<IncomingResponse.Resource> resources = new ArrayList<>(m.getResourcesCount());
    for (var any : m.getResourcesList()) {
      resources.add(new IncomingResponse.Resource(null, m.getVersionInfo(), any));
    }
    return new IncomingResponse(m.getTypeUrl(), m.getVersionInfo(), m.getNonce(), resources, List.of(), false);
  }

  @Override
  void sendSubscription(TypeState<?> state) {
    Set<String> names = resourceNames(state);
    String url = state.type.typeUrl();
    Set<String> previous = sentNames.get(url);
    if (names.equals(previous) || (previous == null && !state.isSubscribed())) {
      return;
    }
    if (!state.isSubscribed() && state.type.isFullStateInSotw()) {
      // An empty list would mean wildcard for LDS/CDS; SotW cannot say "none", so keep the old subscription
      // (what arrives is ignored and ACKed).
      return;
    }
    send(request(state, nonces.getOrDefault(url, "")).build());
  }

  @Override
  void sendAckOrNack(TypeState<?> state, String nonce, String error) {
    DiscoveryRequest.Builder b = request(state, nonce);
    if (error != null) {
      b.setErrorDetail(com.google.rpc.Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(error));
    }
    send(b.build());
  }

  private DiscoveryRequest.Builder request(TypeState<?> state, String nonce) {
    Set<String> names = resourceNames(state);
    sentNames.put(state.type.typeUrl(), names);
    DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder()
        .setTypeUrl(state.type.typeUrl())
        .setVersionInfo(state.versionInfo)
        .addAllResourceNames(names)
        .setResponseNonce(nonce);
    if (includeNode()) {
      b.setNode(node);
    }
    return b;
  }

  /** Wildcard without names is the legacy empty list; with names, "*" is spelled out. */
  private static Set<String> resourceNames(TypeState<?> state) {
    Set<String> names = state.names();
    if (state.isWildcard() && !names.isEmpty()) {
      names.add("*");
    }
    return names;
  }
}

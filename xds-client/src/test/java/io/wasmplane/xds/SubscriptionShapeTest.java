package io.wasmplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.wasmplane.xds.resource.ListenerResource;
import io.wasmplane.xds.resource.ListenerUpdate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What goes on the wire when wildcard and named subscriptions of one type come and go (the recording server answers
 * only ECDS, so these are the client's own requests, unprompted).
 */
class SubscriptionShapeTest {

  static XdsClientConfig config(int port, XdsProtocol protocol) {
    return XdsClientConfig.builder(ServerTarget.uri("127.0.0.1:" + port), Node.newBuilder().setId("n").build())
        .protocol(protocol).initialFetchTimeout(Duration.ZERO).build();
  }

  static List<DeltaDiscoveryRequest> lds(List<DeltaDiscoveryRequest> all) {
    return all.stream().filter(r -> r.getTypeUrl().equals(ListenerResource.TYPE_URL)).toList();
  }

  @Test
  void deltaWildcardThenNamedThenBackAgain() throws Exception {
    try (EcdsAdsServer server = new EcdsAdsServer();
        XdsClient client = XdsClient.create(config(server.port(), XdsProtocol.DELTA), XdsStats.noop())) {
      RecordingWatcher<ListenerUpdate> all = new RecordingWatcher<>();
      WatchHandle wildcard = client.watchAll(ListenerResource.INSTANCE, all);
      Await.until("legacy wildcard", () -> lds(server.deltaRequests).size() == 1);
      assertThat(lds(server.deltaRequests).get(0).getResourceNamesSubscribeList()).isEmpty();

      WatchHandle named = client.watch(ListenerResource.INSTANCE, "extra", new RecordingWatcher<>());
      Await.until("named added", () -> lds(server.deltaRequests).size() == 2);
      // Adding a name after a legacy wildcard must spell the wildcard out, or the server would narrow to the name.
      assertThat(lds(server.deltaRequests).get(1).getResourceNamesSubscribeList()).containsExactly("*", "extra");

      named.cancel();
      Await.until("named dropped", () -> lds(server.deltaRequests).size() == 3);
      assertThat(lds(server.deltaRequests).get(2).getResourceNamesUnsubscribeList()).containsExactly("extra");
      assertThat(lds(server.deltaRequests).get(2).getResourceNamesSubscribeList()).isEmpty();

      wildcard.cancel();
      Await.until("wildcard dropped", () -> lds(server.deltaRequests).size() == 4);
      assertThat(lds(server.deltaRequests).get(3).getResourceNamesUnsubscribeList()).containsExactly("*");
    }
  }

  @Test
  void sotwWildcardIsAnEmptyListAndStarWithNames() throws Exception {
    try (EcdsAdsServer server = new EcdsAdsServer();
        XdsClient client = XdsClient.create(config(server.port(), XdsProtocol.STATE_OF_THE_WORLD), XdsStats.noop())) {
      client.watchAll(ListenerResource.INSTANCE, new RecordingWatcher<>());
      Await.until("wildcard request", () -> sotwLds(server).size() == 1);
      assertThat(sotwLds(server).get(0).getResourceNamesList()).isEmpty();
      WatchHandle named = client.watch(ListenerResource.INSTANCE, "extra", new RecordingWatcher<>());
      Await.until("named request", () -> sotwLds(server).size() == 2);
      assertThat(sotwLds(server).get(1).getResourceNamesList()).containsExactly("*", "extra");
      named.cancel();
      Await.until("back to wildcard", () -> sotwLds(server).size() == 3);
      assertThat(sotwLds(server).get(2).getResourceNamesList()).isEmpty();
    }
  }

  static List<DiscoveryRequest> sotwLds(EcdsAdsServer server) {
    return server.requests.stream().filter(r -> r.getTypeUrl().equals(ListenerResource.TYPE_URL)).toList();
  }

  @Test
  void backoffIsJitteredWithinHalfToFullCap() {
    Duration base = Duration.ofMillis(500);
    Duration max = Duration.ofSeconds(30);
    for (int attempt = 0; attempt < 40; attempt++) {
      long cap = Math.min(30_000, attempt >= 30 ? 30_000 : 500L << attempt);
      for (int i = 0; i < 200; i++) {
        long d = DefaultXdsClient.backoffMillis(attempt, base, max);
        assertThat(d).isBetween(cap / 2, cap);
      }
    }
  }
}

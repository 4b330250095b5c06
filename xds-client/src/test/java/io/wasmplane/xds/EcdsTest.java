package io.wasmplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.wasmplane.xds.resource.ExtensionConfigResource;
import io.wasmplane.xds.resource.ExtensionConfigUpdate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** ECDS (TypedExtensionConfig) over ADS, SotW and delta, against a small real gRPC server. */
class EcdsTest {

  static TypedExtensionConfig filter(String name, String configuration) {
    return TypedExtensionConfig.newBuilder().setName(name)
        .setTypedConfig(Any.pack(StringValue.of(configuration))).build();
  }

  static String payload(ExtensionConfigUpdate u) {
    try {
      return u.proto().getTypedConfig().unpack(StringValue.class).getValue();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest
  @EnumSource(XdsProtocol.class)
  void namedEcdsSubscriptionUpdatesRejectionAndRemoval(XdsProtocol protocol) throws Exception {
    try (EcdsAdsServer server = new EcdsAdsServer()) {
      server.set("1", List.of(filter("wasm-auth", "a1"), filter("wasm-other", "o1")));
      InMemoryXdsStats stats = new InMemoryXdsStats();
      XdsClientConfig config = XdsClientConfig.builder(ServerTarget.uri("127.0.0.1:" + server.port()),
              Node.newBuilder().setId("ecds-node").build())
          .protocol(protocol).backoff(Duration.ofMillis(100), Duration.ofMillis(500)).build();
      try (DefaultXdsClient client = DefaultXdsClient.start(config, stats)) {
        RecordingWatcher<ExtensionConfigUpdate> w = new RecordingWatcher<>();
        w.rule = u -> payload(u).startsWith("broken") ? Optional.of("on_configure returned false") : Optional.empty();
        WatchHandle handle = client.watch(ExtensionConfigResource.INSTANCE, "wasm-auth", w);
        Await.until("initial ECDS", () -> w.current.containsKey("wasm-auth"));
        assertThat(payload(w.current.get("wasm-auth"))).isEqualTo("a1");
        assertThat(w.current.get("wasm-auth").configTypeUrl()).isEqualTo("type.googleapis.com/google.protobuf.StringValue");
        // Only the named resource was asked for and kept.
        assertThat(client.cacheView().resources(ExtensionConfigResource.INSTANCE)).extracting(ResourceSnapshot::name)
            .containsExactly("wasm-auth");

        server.set("2", List.of(filter("wasm-auth", "a2")));
        Await.until("ECDS update", () -> payload(w.current.get("wasm-auth")).equals("a2"));
        Await.until("ECDS version", () -> client.cacheView().versionInfo(ExtensionConfigResource.INSTANCE).equals("2"));

        server.set("3", List.of(filter("wasm-auth", "broken")));
        Await.until("NACK", () -> nacks(server, protocol).stream().anyMatch(m -> m.contains("ecds 'wasm-auth': on_configure returned false")));
        assertThat(payload(w.current.get("wasm-auth"))).isEqualTo("a2");
        assertThat(client.cacheView().versionInfo(ExtensionConfigResource.INSTANCE)).isEqualTo("2");
        if (protocol == XdsProtocol.STATE_OF_THE_WORLD) {
          assertThat(server.requests.stream().filter(r -> r.hasErrorDetail()).findFirst().orElseThrow().getVersionInfo())
              .isEqualTo("2");
        }
        assertThat(stats.counter("ecds.update_rejected")).isEqualTo(1);

        if (protocol == XdsProtocol.DELTA) {
          server.set("4", List.of());
          Await.until("delta removal", () -> w.doesNotExist.contains("wasm-auth"));
          assertThat(client.cacheView().resources(ExtensionConfigResource.INSTANCE).get(0).status())
              .isEqualTo(ClientStatus.DOES_NOT_EXIST);
        }

        // The last watcher goes: the subscription is dropped.
        handle.cancel();
        if (protocol == XdsProtocol.DELTA) {
          Await.until("unsubscribe", () -> server.deltaRequests.stream()
              .anyMatch(r -> r.getResourceNamesUnsubscribeList().contains("wasm-auth")));
        } else {
          Await.until("empty subscription", () -> {
            var last = server.requests.get(server.requests.size() - 1);
            return last.getTypeUrl().equals(ExtensionConfigResource.TYPE_URL) && last.getResourceNamesCount() == 0;
          });
        }
        Await.until("cache emptied", () -> client.cacheView().resources(ExtensionConfigResource.INSTANCE).isEmpty());
      }
    }
  }

  private static List<String> nacks(EcdsAdsServer server, XdsProtocol protocol) {
    return protocol == XdsProtocol.DELTA
        ? server.deltaRequests.stream().filter(r -> r.hasErrorDetail()).map(r -> r.getErrorDetail().getMessage()).toList()
        : server.requests.stream().filter(r -> r.hasErrorDetail()).map(r -> r.getErrorDetail().getMessage()).toList();
  }
}

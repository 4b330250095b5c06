package io.wasmplane.dataplane.xds;

import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.admin.v3.ClientResourceStatus;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.admin.v3.UpdateFailureState;
import io.wasmplane.dataplane.admin.DynamicConfigDump;
import io.wasmplane.xds.ClientStatus;
import io.wasmplane.xds.ResourceSnapshot;
import io.wasmplane.xds.XdsCacheView;
import io.wasmplane.xds.resource.ClusterResource;
import io.wasmplane.xds.resource.ListenerResource;
import io.wasmplane.xds.resource.RouteConfigurationResource;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Predicate;

/** Envoy's dynamic sections of /config_dump from the xds-client cache, with our warming state. */
final class XdsConfigDump implements DynamicConfigDump {
  private final XdsCacheView cache;
  private final Predicate<String> listenerWarming;
  private final Predicate<String> clusterWarming;
  private final java.util.function.Function<String, Optional<String>> filterLoadFailure;

  XdsConfigDump(XdsCacheView cache, Predicate<String> listenerWarming, Predicate<String> clusterWarming,
      java.util.function.Function<String, Optional<String>> filterLoadFailure) {
    this.cache = cache;
    this.listenerWarming = listenerWarming;
    this.clusterWarming = clusterWarming;
    this.filterLoadFailure = filterLoadFailure;
  }

  @Override
  public void addTo(ClustersConfigDump.Builder clusters, ListenersConfigDump.Builder listeners, RoutesConfigDump.Builder routes) {
    listeners.setVersionInfo(cache.versionInfo(ListenerResource.INSTANCE));
    for (ResourceSnapshot r : cache.resources(ListenerResource.INSTANCE)) {
      if (r.status() == ClientStatus.DOES_NOT_EXIST) {
        continue;
      }
      ListenersConfigDump.DynamicListener.Builder d = ListenersConfigDump.DynamicListener.newBuilder()
          .setName(r.name()).setClientStatus(status(r.status()));
      r.raw().ifPresent(raw -> {
        var state = ListenersConfigDump.DynamicListenerState.newBuilder().setListener(raw)
            .setVersionInfo(r.version().orElse(""));
        r.lastUpdated().ifPresent(t -> state.setLastUpdated(ts(t)));
        if (listenerWarming.test(r.name())) {
          d.setWarmingState(state);
        } else {
          d.setActiveState(state);
        }
      });
      failure(r).ifPresent(d::setErrorState);
      listeners.addDynamicListeners(d);
    }
    clusters.setVersionInfo(cache.versionInfo(ClusterResource.INSTANCE));
    for (ResourceSnapshot r : cache.resources(ClusterResource.INSTANCE)) {
      if (r.raw().isEmpty() || r.status() == ClientStatus.DOES_NOT_EXIST) {
        continue;
      }
      ClustersConfigDump.DynamicCluster.Builder d = ClustersConfigDump.DynamicCluster.newBuilder()
          .setCluster(r.raw().get()).setVersionInfo(r.version().orElse("")).setClientStatus(status(r.status()));
      r.lastUpdated().ifPresent(t -> d.setLastUpdated(ts(t)));
      failure(r).ifPresent(d::setErrorState);
      if (clusterWarming.test(r.name())) {
        clusters.addDynamicWarmingClusters(d);
      } else {
        clusters.addDynamicActiveClusters(d);
      }
    }
    for (ResourceSnapshot r : cache.resources(RouteConfigurationResource.INSTANCE)) {
      if (r.raw().isEmpty() || r.status() == ClientStatus.DOES_NOT_EXIST) {
        continue;
      }
      RoutesConfigDump.DynamicRouteConfig.Builder d = RoutesConfigDump.DynamicRouteConfig.newBuilder()
          .setRouteConfig(r.raw().get()).setVersionInfo(r.version().orElse("")).setClientStatus(status(r.status()));
      r.lastUpdated().ifPresent(t -> d.setLastUpdated(ts(t)));
      failure(r).ifPresent(d::setErrorState);
      routes.addDynamicRouteConfigs(d);
    }
  }

  /**
   * Envoy's EcdsConfigDump: every ECDS filter config with its version, status and last error: the last NACK, or else
   * (beyond Envoy) why the accepted config's Wasm plugin could not be loaded and serves by its failure policy.
   */
  @Override
  public java.util.List<com.google.protobuf.Message> extraConfigs() {
    io.envoyproxy.envoy.admin.v3.EcdsConfigDump.Builder ecds = io.envoyproxy.envoy.admin.v3.EcdsConfigDump.newBuilder();
    for (ResourceSnapshot r : cache.resources(io.wasmplane.xds.resource.ExtensionConfigResource.INSTANCE)) {
      var f = io.envoyproxy.envoy.admin.v3.EcdsConfigDump.EcdsFilterConfig.newBuilder()
          .setVersionInfo(r.version().orElse("")).setClientStatus(status(r.status()));
      r.raw().ifPresent(f::setEcdsFilter);
      r.lastUpdated().ifPresent(t -> f.setLastUpdated(ts(t)));
      failure(r).or(() -> loadFailure(r)).ifPresent(f::setErrorState);
      ecds.addEcdsFilters(f);
    }
    // Envoy's SecretsConfigDump: the SDS secrets (private keys redacted when the whole dump is printed).
    io.envoyproxy.envoy.admin.v3.SecretsConfigDump.Builder sds = io.envoyproxy.envoy.admin.v3.SecretsConfigDump.newBuilder();
    for (ResourceSnapshot r : cache.resources(io.wasmplane.xds.resource.SecretResource.INSTANCE)) {
      var s = io.envoyproxy.envoy.admin.v3.SecretsConfigDump.DynamicSecret.newBuilder().setName(r.name())
          .setVersionInfo(r.version().orElse("")).setClientStatus(status(r.status()));
      r.raw().ifPresent(s::setSecret);
      r.lastUpdated().ifPresent(t -> s.setLastUpdated(ts(t)));
      failure(r).ifPresent(s::setErrorState);
      if (r.raw().isPresent()) {
        sds.addDynamicActiveSecrets(s);
      } else {
        sds.addDynamicWarmingSecrets(s);
      }
    }
    return java.util.List.of(ecds.build(), sds.build());
  }

  private static Optional<UpdateFailureState> failure(ResourceSnapshot r) {
    return r.lastRejection().map(rej -> UpdateFailureState.newBuilder().setFailedConfiguration(rej.raw())
        .setLastUpdateAttempt(ts(rej.at())).setDetails(rej.error()).setVersionInfo(rej.version()).build());
  }

  private Optional<UpdateFailureState> loadFailure(ResourceSnapshot r) {
    if (r.raw().isEmpty() || r.status() != ClientStatus.ACKED) {
      return Optional.empty();
    }
    return filterLoadFailure.apply(r.name()).map(cause -> {
      UpdateFailureState.Builder s = UpdateFailureState.newBuilder().setFailedConfiguration(r.raw().get())
          .setDetails("accepted, but its Wasm plugin could not be loaded and serves by its failure policy: " + cause)
          .setVersionInfo(r.version().orElse(""));
      r.lastUpdated().ifPresent(t -> s.setLastUpdateAttempt(ts(t)));
      return s.build();
    });
  }

  static ClientResourceStatus status(ClientStatus s) {
    return switch (s) {
      case REQUESTED -> ClientResourceStatus.REQUESTED;
      case ACKED -> ClientResourceStatus.ACKED;
      case NACKED -> ClientResourceStatus.NACKED;
      case DOES_NOT_EXIST -> ClientResourceStatus.DOES_NOT_EXIST;
    };
  }

  static Timestamp ts(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

}

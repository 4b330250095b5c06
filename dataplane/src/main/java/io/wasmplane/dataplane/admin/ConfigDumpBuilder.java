package io.wasmplane.dataplane.admin;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.wasmplane.dataplane.config.EnvoyTypes;

/**
 * /config_dump: Envoy's ConfigDump with the bootstrap and the static listeners, clusters and route configs, printed
 * as Envoy prints it: proto field names ({@code dynamic_active_clusters}, {@code error_state}, {@code last_updated}).
 */
final class ConfigDumpBuilder {
  static final com.google.protobuf.util.JsonFormat.Printer PRINTER = EnvoyTypes.PRINTER.preservingProtoFieldNames();

  private ConfigDumpBuilder() {}

  static String json(Bootstrap bootstrap, long loadedMillis) throws InvalidProtocolBufferException {
    return json(bootstrap, loadedMillis, null);
  }

  static String json(Bootstrap bootstrap, long loadedMillis, DynamicConfigDump dynamic) throws InvalidProtocolBufferException {
    return PRINTER.print(dump(bootstrap, loadedMillis, dynamic, null));
  }

  /** The whole dump, secrets redacted; {@code endpoints} (include_eds) goes after the clusters, as in Envoy. */
  static ConfigDump dump(Bootstrap bootstrap, long loadedMillis, DynamicConfigDump dynamic,
      io.envoyproxy.envoy.admin.v3.EndpointsConfigDump endpoints) {
    Timestamp ts = Timestamp.newBuilder().setSeconds(loadedMillis / 1000).setNanos((int) (loadedMillis % 1000) * 1_000_000).build();
    ClustersConfigDump.Builder clusters = ClustersConfigDump.newBuilder();
    for (Cluster c : bootstrap.getStaticResources().getClustersList()) {
      clusters.addStaticClusters(ClustersConfigDump.StaticCluster.newBuilder().setCluster(Any.pack(c)).setLastUpdated(ts));
    }
    ListenersConfigDump.Builder listeners = ListenersConfigDump.newBuilder();
    RoutesConfigDump.Builder routes = RoutesConfigDump.newBuilder();
    for (Listener l : bootstrap.getStaticResources().getListenersList()) {
      listeners.addStaticListeners(ListenersConfigDump.StaticListener.newBuilder().setListener(Any.pack(l)).setLastUpdated(ts));
      l.getFilterChainsList().forEach(fc -> fc.getFiltersList().forEach(f -> {
        if (f.getTypedConfig().is(HttpConnectionManager.class)) {
          try {
            HttpConnectionManager hcm = f.getTypedConfig().unpack(HttpConnectionManager.class);
            if (hcm.hasRouteConfig()) {
              routes.addStaticRouteConfigs(RoutesConfigDump.StaticRouteConfig.newBuilder()
                  .setRouteConfig(Any.pack(hcm.getRouteConfig())).setLastUpdated(ts));
            }
          } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
          }
        }
      }));
    }
    if (dynamic != null) {
      dynamic.addTo(clusters, listeners, routes);
    }
    ConfigDump.Builder dump = ConfigDump.newBuilder()
        .addConfigs(Any.pack(BootstrapConfigDump.newBuilder().setBootstrap(bootstrap).setLastUpdated(ts).build()))
        .addConfigs(Any.pack(clusters.build()));
    if (endpoints != null) {
      dump.addConfigs(Any.pack(endpoints));
    }
    dump
        .addConfigs(Any.pack(listeners.build()))
        .addConfigs(Any.pack(routes.build()))
        .addAllConfigs(dynamic == null ? java.util.List.of()
            : dynamic.extraConfigs().stream().map(Any::pack).toList());
    return new io.wasmplane.dataplane.tls.SecretRedactor(io.wasmplane.dataplane.config.EnvoyTypes.REGISTRY).redact(dump.build());
  }
}

package io.wasmplane.xds;

import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.wasmplane.xds.resource.ResourceType;
import io.wasmplane.xds.resource.XdsResource;
import java.util.concurrent.Executor;

/**
 * An xDS client: the ADS stream of the bootstrap and the servers that {@code api_config_source}s name (one
 * connection per server, one stream per type there). Watches drive subscriptions: the first watcher of a name
 * subscribes, the last one to cancel unsubscribes. The client caches the last accepted version of every resource and
 * keeps serving it while a control plane is away.
 *
 * <p>Thread-safe; watcher callbacks run on the client's own thread.
 */
public interface XdsClient extends AutoCloseable {
  /** Starts a client: connects to the ADS server (if any) right away; subscriptions follow the watches. */
  static XdsClient create(XdsClientConfig config, XdsStats stats) {
    return DefaultXdsClient.start(config, stats);
  }

  /**
   * Watches one named resource from the type's default source (LDS: lds_config, CDS: cds_config, others: ADS). A
   * cached value (or a known absence) is delivered right away.
   */
  <T extends XdsResource> WatchHandle watch(ResourceType<?, T> type, String name, ResourceWatcher<T> watcher);

  /** Watches one named resource from {@code source} (see {@link #resolve}). */
  <T extends XdsResource> WatchHandle watch(ResourceType<?, T> type, String name, XdsSource source,
      ResourceWatcher<T> watcher);

  /**
   * Watches every resource of a type (wildcard subscription; LDS and CDS) from its default source.
   * {@code onResourceDoesNotExist} reports removals.
   */
  <T extends XdsResource> WatchHandle watchAll(ResourceType<?, T> type, ResourceWatcher<T> watcher);

  <T extends XdsResource> WatchHandle watchAll(ResourceType<?, T> type, XdsSource source, ResourceWatcher<T> watcher);

  /**
   * Resolves a config source found in a resource ({@code rds.config_source}, {@code eds_cluster_config.eds_config},
   * {@code config_discovery.config_source}) against the bootstrap.
   *
   * @throws IllegalArgumentException naming {@code field} and the cause
   */
  XdsSource resolve(ConfigSource source, String field);

  /**
   * The client's thread, for watchers that finish a verdict asynchronously and must touch their state where the
   * callbacks run.
   */
  Executor executor();

  XdsCacheView cacheView();

  /** Closes the streams and the channels; watchers get no further callbacks. */
  @Override
  void close();
}

package io.wasmplane.xds;

import io.wasmplane.xds.resource.ResourceType;
import io.wasmplane.xds.resource.XdsResource;

/**
 * An xDS client over one ADS stream (state-of-the-world or delta). Watches drive subscriptions: the first watcher
 * of a name subscribes, the last one to cancel unsubscribes. The client caches the last accepted version of every
 * resource and keeps serving it while the control plane is away.
 *
 * <p>Thread-safe; watcher callbacks run on the client's own thread.
 */
public interface XdsClient extends AutoCloseable {
  /** Starts a client: connects right away; subscriptions follow the watches. */
  static XdsClient create(XdsClientConfig config, XdsStats stats) {
    return DefaultXdsClient.start(config, stats);
  }

  /** Watches one named resource. A cached value (or a known absence) is delivered right away. */
  <T extends XdsResource> WatchHandle watch(ResourceType<?, T> type, String name, ResourceWatcher<T> watcher);

  /**
   * Watches every resource of a type (wildcard subscription; LDS and CDS). {@code onResourceDoesNotExist} reports
   * removals.
   */
  <T extends XdsResource> WatchHandle watchAll(ResourceType<?, T> type, ResourceWatcher<T> watcher);

  XdsCacheView cacheView();

  /** Closes the stream and the channel; watchers get no further callbacks. */
  @Override
  void close();
}

package io.wasmplane.xds;

/** Cancels a watch; the subscription is dropped when its last watcher goes. Idempotent. */
@FunctionalInterface
public interface WatchHandle extends AutoCloseable {
  void cancel();

  @Override
  default void close() {
    cancel();
  }
}

package io.wasmplane.xds;

import io.grpc.Status;
import io.wasmplane.xds.resource.XdsResource;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Receives updates of one resource name (or of every resource of a type, for a wildcard watch) and gives a
 * verdict on each.
 *
 * <p>The client ACKs or NACKs a response only once every watcher of every changed resource in it has completed its
 * verdict: an empty Optional accepts, a message rejects. A rejected resource is NACKed (error_detail names it and
 * carries the message), the cache keeps its last accepted version, and new watchers get that one. The stream is
 * paused while verdicts are pending, so a verdict must not wait for other xDS resources (warming is the data
 * plane's business, after the ACK). Callbacks run on the client's single thread: return quickly and do slow work
 * (plugin fetch/compile) elsewhere, completing the stage later. Verdicts that do not complete within the
 * configured verdict timeout count as rejections.
 */
public interface ResourceWatcher<T extends XdsResource> {
  /** A new or changed resource. Return {@link #accept()} or {@link #reject(String)} (or a stage completing later). */
  CompletionStage<Optional<String>> onChanged(T update);

  /** The resource was removed, or did not arrive within initial_fetch_timeout. */
  default void onResourceDoesNotExist(String name) { }

  /**
   * Wildcard watchers only, once each: the first response of the type has been processed (accepted or rejected), or
   * initial_fetch_timeout passed without one. Envoy's init (warming) of LDS/CDS waits for exactly this; it also
   * fires when the response is empty, which {@link #onChanged} cannot tell.
   */
  default void onInitialFetchDone() { }

  /**
   * Informational: the stream failed, or a resource this watcher never received was rejected by the client's own
   * validation. The cache keeps serving what it has.
   */
  default void onError(Status status) { }

  static CompletionStage<Optional<String>> accept() {
    return CompletableFuture.completedFuture(Optional.empty());
  }

  static CompletionStage<Optional<String>> reject(String reason) {
    return CompletableFuture.completedFuture(Optional.of(reason));
  }
}

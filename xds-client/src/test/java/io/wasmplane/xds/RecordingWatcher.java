package io.wasmplane.xds;

import io.grpc.Status;
import io.wasmplane.xds.resource.XdsResource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A watcher that records what it sees and gives verdicts from a pluggable rule (accept everything by default),
 * the way the data plane would reject a resource after the client's own validation.
 */
final class RecordingWatcher<T extends XdsResource> implements ResourceWatcher<T> {
  final Map<String, T> current = new ConcurrentHashMap<>();
  final List<T> changes = new CopyOnWriteArrayList<>();
  final List<String> doesNotExist = new CopyOnWriteArrayList<>();
  final List<Status> errors = new CopyOnWriteArrayList<>();
  volatile Function<T, Optional<String>> rule = u -> Optional.empty();

  @Override
  public CompletionStage<Optional<String>> onChanged(T update) {
    changes.add(update);
    Optional<String> verdict = rule.apply(update);
    if (verdict.isEmpty()) {
      current.put(update.name(), update);
    }
    return java.util.concurrent.CompletableFuture.completedFuture(verdict);
  }

  @Override
  public void onResourceDoesNotExist(String name) {
    doesNotExist.add(name);
    current.remove(name);
  }

  @Override
  public void onError(Status status) {
    errors.add(status);
  }
}

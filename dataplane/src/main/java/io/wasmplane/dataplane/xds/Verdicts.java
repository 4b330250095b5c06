package io.wasmplane.dataplane.xds;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The answers a watcher gives xds-client: empty accepts, a message rejects (the client NACKs with it). */
final class Verdicts {
  private static final CompletionStage<Optional<String>> ACCEPT = CompletableFuture.completedFuture(Optional.empty());

  private Verdicts() {}

  static CompletionStage<Optional<String>> accept() {
    return ACCEPT;
  }

  static CompletionStage<Optional<String>> reject(String message) {
    return CompletableFuture.completedFuture(Optional.of(message));
  }
}

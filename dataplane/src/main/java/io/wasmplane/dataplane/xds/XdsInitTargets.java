package io.wasmplane.dataplane.xds;

import io.wasmplane.dataplane.admin.InitTargets;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * /init_dump's view of xDS warming, named as Envoy names its init managers: a warming listener is
 * "Listener-local-init-manager NAME" waiting for its RDS, ECDS and SDS targets; a warming cluster (our addition:
 * Envoy dumps listeners only) is "Cluster NAME" waiting for its EDS, SDS or first health checks. Read on the
 * xds-client thread, bounded, since that thread owns the state.
 */
final class XdsInitTargets implements InitTargets {
  private static final long TIMEOUT_SECONDS = 5;

  private final Executor xdsThread;
  private final Supplier<SortedMap<String, List<String>>> listeners;
  private final Supplier<SortedMap<String, List<String>>> clusters;

  XdsInitTargets(Executor xdsThread, Supplier<SortedMap<String, List<String>>> listeners,
      Supplier<SortedMap<String, List<String>>> clusters) {
    this.xdsThread = xdsThread;
    this.listeners = listeners;
    this.clusters = clusters;
  }

  @Override
  public List<Pending> unready() {
    try {
      return CompletableFuture.supplyAsync(this::collect, xdsThread).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("init_dump: interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("init_dump: the xDS thread did not answer within " + TIMEOUT_SECONDS + " s: " + e, e);
    }
  }

  private List<Pending> collect() {
    List<Pending> out = new ArrayList<>();
    listeners.get().forEach((name, targets) -> out.add(new Pending("listener", "Listener-local-init-manager " + name, targets)));
    clusters.get().forEach((name, targets) -> out.add(new Pending("cluster", "Cluster " + name, targets)));
    return out;
  }
}

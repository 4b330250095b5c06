package io.wasmplane.dataplane.xds;

import io.grpc.Status;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.upstream.ClusterManager;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.xds.ResourceWatcher;
import io.wasmplane.xds.WatchHandle;
import io.wasmplane.xds.XdsClient;
import io.wasmplane.xds.XdsSource;
import io.wasmplane.xds.resource.ClusterUpdate;
import io.wasmplane.xds.resource.EndpointResource;
import io.wasmplane.xds.resource.EndpointUpdate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CDS (wildcard) and EDS: clusters from the control plane, translated by the same translator as static ones. An EDS
 * cluster is warming until its ClusterLoadAssignment arrives (or initial_fetch_timeout passes); later EDS updates
 * change its hosts in place. All callbacks run on the xds-client thread.
 */
final class DynamicClusters implements ResourceWatcher<ClusterUpdate> {
  private static final Logger log = LoggerFactory.getLogger(DynamicClusters.class);

  private final XdsClient xds;
  private final ClusterManager manager;
  private final Set<String> staticNames;
  /** Accepted dynamic clusters by name (active or warming). */
  private final Map<String, ClusterConfig> accepted = new ConcurrentHashMap<>();
  private final Set<String> warming = ConcurrentHashMap.newKeySet();
  /** Clusters waiting in the manager for their first health checks: the identity of the latest hand-over. */
  private final Map<String, Object> activations = new ConcurrentHashMap<>();
  /** EDS cluster name -> EDS service name it follows. */
  private final Map<String, String> edsNameOf = new HashMap<>();
  private final Map<String, EdsSubscription> eds = new HashMap<>();
  private final Runnable onProgress;
  private final DynamicSecrets secrets;
  private volatile boolean initialFetchDone;

  DynamicClusters(XdsClient xds, ClusterManager manager, Set<String> staticNames, DynamicSecrets secrets, Runnable onProgress) {
    this.xds = xds;
    this.secrets = secrets;
    this.manager = manager;
    this.staticNames = Set.copyOf(staticNames);
    this.onProgress = onProgress;
  }

  /** Cluster names a route or listener may reference: static and dynamic (warming ones included, as Envoy). */
  Set<String> knownNames() {
    Set<String> names = new HashSet<>(staticNames);
    names.addAll(accepted.keySet());
    return names;
  }

  /** Envoy's cluster_manager.warming_clusters: waiting for endpoints, secrets or their first health checks. */
  long warmingCount() {
    return warming.size();
  }

  boolean isWarming(String name) {
    return warming.contains(name);
  }

  @Override
  public CompletionStage<Optional<String>> onChanged(ClusterUpdate update) {
    String name = update.name();
    if (staticNames.contains(name)) {
      return Verdicts.reject("cluster '" + name + "': a static cluster of that name exists and cannot be updated by CDS");
    }
    ClusterConfig config;
    XdsSource edsSource;
    try {
      config = BootstrapTranslator.cluster(update.proto());
      edsSource = update.edsConfigSource().isPresent()
          ? xds.resolve(update.edsConfigSource().get(), "cluster " + name + ": eds_cluster_config.eds_config")
          : null;
      // SDS secrets of its UpstreamTlsContext: subscribed now, the cluster warms until they are there.
      config.allTls().forEach(t -> secrets.expect(t.material(), "cluster " + name));
    } catch (ConfigException | IllegalArgumentException e) {
      releaseUnusedSecrets();
      return Verdicts.reject(e.getMessage());
    }
    accepted.put(name, config);
    activations.remove(name);
    String previousEds = edsNameOf.remove(name);
    if (config.type() != ClusterConfig.DiscoveryType.EDS) {
      if (secretsReady(config)) {
        activate(name, config);
      } else {
        warming.add(name);
        log.debug("event=cluster_warming cluster={} waiting=sds", name);
      }
    } else {
      String service = update.edsServiceName().orElse(name);
      edsNameOf.put(name, service);
      EdsSubscription sub = eds.computeIfAbsent(service, n -> new EdsSubscription(n, edsSource));
      sub.clusters.add(name);
      if ((sub.endpoints != null || sub.resolved) && secretsReady(config)) {
        activate(name, sub.applyTo(config));
      } else {
        warming.add(name);
        log.debug("event=cluster_warming cluster={} eds={}", name, service);
      }
    }
    if (previousEds != null && !previousEds.equals(edsNameOf.get(name))) {
      release(previousEds, name);
    }
    releaseUnusedSecrets(); // the names an earlier version of this cluster used, if no one else does
    onProgress.run();
    return Verdicts.accept();
  }

  @Override
  public void onResourceDoesNotExist(String name) {
    if (accepted.remove(name) == null) {
      return;
    }
    warming.remove(name);
    activations.remove(name);
    manager.remove(name);
    String service = edsNameOf.remove(name);
    if (service != null) {
      release(service, name);
    }
    releaseUnusedSecrets();
    log.info("event=cluster_removed cluster={}", name);
    onProgress.run();
  }

  @Override
  public void onError(Status status) {
    log.debug("event=cds_error status={}", status);
  }

  @Override
  public void onInitialFetchDone() {
    initialFetchDone = true;
    onProgress.run();
  }

  /** Envoy's CDS init: the first CDS response is in and every cluster it brought has its endpoints (or timed out). */
  boolean initialized() {
    return initialFetchDone && warming.isEmpty();
  }

  private void releaseUnusedSecrets() {
    secrets.retainOnly("clusters", DynamicSecrets.namesOf(accepted.values().stream().flatMap(c -> c.tls().stream()).map(t -> t.material())));
  }

  /** Each warming cluster with what it still waits for: its EDS resource, SDS secrets, first health checks (xds-client thread). */
  java.util.SortedMap<String, List<String>> unready() {
    java.util.SortedMap<String, List<String>> out = new java.util.TreeMap<>();
    for (String name : warming) {
      List<String> targets = new java.util.ArrayList<>();
      String service = edsNameOf.get(name);
      EdsSubscription sub = service == null ? null : eds.get(service);
      if (service != null && (sub == null || (sub.endpoints == null && !sub.resolved))) {
        targets.add("EdsClusterImpl " + service);
      }
      ClusterConfig config = accepted.get(name);
      if (config != null) {
        config.allTls().stream().flatMap(t -> secrets.pending(t.material()).stream()).distinct().forEach(s -> targets.add("SdsApi " + s));
      }
      if (activations.containsKey(name)) {
        targets.add("first health check");
      }
      out.put(name, targets);
    }
    return out;
  }

  private boolean secretsReady(ClusterConfig config) {
    return config.allTls().stream().allMatch(t -> secrets.ready(t.material()));
  }

  /** An SDS secret arrived (or timed out): warming clusters with nothing left to wait for go active. */
  void activateReady() {
    for (String name : List.copyOf(warming)) {
      ClusterConfig config = accepted.get(name);
      String service = edsNameOf.get(name);
      EdsSubscription sub = service == null ? null : eds.get(service);
      boolean endpointsReady = service == null || (sub != null && (sub.endpoints != null || sub.resolved));
      if (config == null || !endpointsReady || !secretsReady(config)) {
        continue;
      }
      if (activations.containsKey(name)) {
        continue; // waiting for its first health checks already
      }
      try {
        activate(name, sub == null ? config : sub.applyTo(config));
        log.debug("event=cluster_secrets_ready cluster={}", name);
      } catch (ConfigException e) {
        log.error("event=cluster_failed cluster={} error={}", name, e.getMessage());
      }
    }
    onProgress.run();
  }

  /**
   * Hands a cluster whose endpoints and secrets are there to the manager. With active health checks it stays warming
   * (the previous version keeps serving, routes to a new name find no cluster) until every host had its first check,
   * as Envoy; then CDS init may go on.
   */
  private void activate(String name, ClusterConfig config) {
    java.util.concurrent.CompletableFuture<Void> published = manager.addOrUpdateWhenWarm(config).toCompletableFuture();
    if (published.isDone()) {
      activations.remove(name);
      warming.remove(name);
      return;
    }
    warming.add(name);
    Object token = new Object();
    activations.put(name, token);
    log.debug("event=cluster_warming cluster={} waiting=first_health_check", name);
    published.thenRun(() -> xds.executor().execute(() -> {
      if (activations.remove(name, token)) {
        warming.remove(name);
        log.debug("event=cluster_warmed cluster={} waited=first_health_check", name);
        onProgress.run();
      }
    }));
  }

  private void release(String service, String cluster) {
    EdsSubscription sub = eds.get(service);
    if (sub != null && sub.clusters.remove(cluster) && sub.clusters.isEmpty()) {
      sub.handle.cancel();
      eds.remove(service);
    }
  }

  /** One EDS resource and the clusters that follow it. */
  private final class EdsSubscription implements ResourceWatcher<EndpointUpdate> {
    final String service;
    final Set<String> clusters = new HashSet<>();
    final WatchHandle handle;
    List<ClusterConfig.EndpointAddress> endpoints;
    /** Its policy.overprovisioning_factor, in percent. */
    int overprovisioning = ClusterConfig.DEFAULT_OVERPROVISIONING_FACTOR;
    /** Its policy.drop_overloads. */
    ClusterConfig.DropOverload drop = ClusterConfig.DropOverload.NONE;
    boolean resolved;

    EdsSubscription(String service, XdsSource source) {
      this.service = service;
      this.handle = xds.watch(EndpointResource.INSTANCE, service, source, this);
    }

    @Override
    public CompletionStage<Optional<String>> onChanged(EndpointUpdate update) {
      List<ClusterConfig.EndpointAddress> eps;
      int factor;
      ClusterConfig.DropOverload d;
      try {
        eps = BootstrapTranslator.endpoints(update.proto(), "cluster_load_assignment " + service, true);
        factor = BootstrapTranslator.overprovisioningFactor(update.proto(), "cluster_load_assignment " + service);
        d = BootstrapTranslator.dropOverload(update.proto(), "cluster_load_assignment " + service);
      } catch (ConfigException e) {
        return Verdicts.reject(e.getMessage());
      }
      endpoints = eps;
      overprovisioning = factor;
      drop = d;
      resolved = true;
      apply();
      return Verdicts.accept();
    }

    @Override
    public void onResourceDoesNotExist(String name) {
      // Not there within initial_fetch_timeout (or removed): warming clusters go active without hosts, as Envoy.
      resolved = true;
      if (endpoints == null) {
        endpoints = List.of();
      }
      apply();
    }

    /** The cluster with this resource's endpoints (none yet when it does not exist). */
    ClusterConfig applyTo(ClusterConfig config) {
      return config.withEndpoints(endpoints == null ? List.of() : endpoints, overprovisioning, drop);
    }

    private void apply() {
      for (String cluster : clusters) {
        ClusterConfig config = accepted.get(cluster);
        if (config == null) {
          continue;
        }
        if (warming.contains(cluster)) {
          if (secretsReady(config)) {
            activate(cluster, applyTo(config)); // a cluster still in its first checks starts over
            log.debug("event=cluster_endpoints_ready cluster={} endpoints={}", cluster, endpoints.size());
          }
        } else {
          UpstreamCluster running = manager.get(cluster);
          if (running != null) {
            running.updateEndpoints(endpoints, overprovisioning, drop);
          }
        }
      }
      onProgress.run();
    }

    @Override
    public void onError(Status status) {}

    @Override
    public void onInitialFetchDone() {}
  }
}

package io.wasmplane.dataplane.xds;

import io.grpc.Status;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.ListenerConfig;
import io.wasmplane.dataplane.config.RouteTable;
import io.wasmplane.dataplane.http.HcmRuntime;
import io.wasmplane.dataplane.server.DataplaneServer;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.xds.ResourceWatcher;
import io.wasmplane.xds.WatchHandle;
import io.wasmplane.xds.XdsClient;
import io.wasmplane.xds.XdsSource;
import io.wasmplane.xds.resource.ListenerUpdate;
import io.wasmplane.xds.resource.RouteConfigurationResource;
import io.wasmplane.xds.resource.RouteConfigurationUpdate;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LDS (wildcard) and RDS. A listener is translated and its HTTP connection manager built (Wasm plugins canaried) in
 * the verdict, so a broken one is NACKed and the running one stays; it is then warming until the route config its
 * HCM names via {@code rds} has arrived (or initial_fetch_timeout passed), and then replaces the running listener.
 * Route updates change what new streams get; running streams keep their table. All callbacks run on the xds-client
 * thread.
 */
final class DynamicListeners implements ResourceWatcher<ListenerUpdate> {
  private static final Logger log = LoggerFactory.getLogger(DynamicListeners.class);
  private static final RouteTable NO_ROUTES = new RouteTable("", List.of());

  private final XdsClient xds;
  private final DataplaneServer server;
  private final DynamicClusters clusters;
  private final StatsRegistry stats;
  private final Duration drainTime;
  private final Runnable onProgress;
  private volatile boolean initialFetchDone;
  private final ExtensionConfigs extensions;
  /** Built, waiting for their route config. */
  private final Map<String, Built> warming = new ConcurrentHashMap<>();
  private final Map<String, Built> active = new ConcurrentHashMap<>();
  private final Map<String, RouteSubscription> routes = new HashMap<>();

  /** A translated listener with its built HCM, and the route config it waits for, if any. */
  private record Built(ListenerConfig config, HcmRuntime hcm, Optional<String> rds, Set<String> ecds) {}

  DynamicListeners(XdsClient xds, DataplaneServer server, DynamicClusters clusters, StatsRegistry stats, Duration drainTime,
      Runnable onProgress) {
    this.extensions = new ExtensionConfigs(xds, server, stats, name -> activateReady());
    server.extensionConfigProvider(extensions);
    server.networkFilterConfigProvider(extensions);
    this.xds = xds;
    this.server = server;
    this.clusters = clusters;
    this.stats = stats;
    this.drainTime = drainTime;
    this.onProgress = onProgress;
  }

  boolean isWarming(String name) {
    return warming.containsKey(name);
  }

  /**
   * Translates the listener and resolves the config sources it names; then its plugins' code is warmed off this
   * thread (the verdict completes later, the stream goes on with other types meanwhile) and it is built here.
   */
  @Override
  public CompletionStage<Optional<String>> onChanged(ListenerUpdate update) {
    String name = update.name();
    ListenerConfig config;
    Map<String, XdsSource> rdsSources = new HashMap<>();
    Map<String, XdsSource> ecdsSources = new HashMap<>();
    try {
      config = BootstrapTranslator.listener(update.proto(), clusters.knownNames());
      update.routeConfigSources().forEach((route, cs) -> rdsSources.put(route,
          xds.resolve(cs, "listener " + name + ": route '" + route + "' rds.config_source")));
      update.extensionConfigSources().forEach((filter, cs) -> ecdsSources.put(filter,
          xds.resolve(cs, "listener " + name + ": http filter '" + filter + "' config_discovery.config_source")));
    } catch (ConfigException | IllegalArgumentException e) {
      return Verdicts.reject(e.getMessage());
    }
    CompletableFuture<Void> code = PluginPrefetch.warm(server::wasmPlugins, PluginPrefetch.of(config));
    if (code.isDone()) {
      return apply(name, config, update, rdsSources, ecdsSources);
    }
    return code.thenComposeAsync(v -> apply(name, config, update, rdsSources, ecdsSources), xds.executor());
  }

  private CompletionStage<Optional<String>> apply(String name, ListenerConfig config, ListenerUpdate update,
      Map<String, XdsSource> rdsSources, Map<String, XdsSource> ecdsSources) {
    // A tcp_proxy listener has no HCM (hcm null): no routes, nothing to warm but ECDS.
    Optional<String> rds = config.hcm() == null ? Optional.empty() : config.hcm().rdsRouteConfigName();
    RouteSubscription sub = rds.map(r -> subscribe(r, rdsSources.getOrDefault(r, XdsSource.ADS))).orElse(null);
    HcmRuntime hcm = null;
    try {
      extensions.expect(ecdsSources);
      if (config.hcm() != null) {
        Supplier<RouteTable> table = sub != null ? sub::table : config.hcm()::routes;
        hcm = server.buildHcm(config.hcm(), "listener " + name, table);
      }
      // Subscribed now, so the listener warms until they arrive; the chain binds to them when it is built.
      extensions.declareNetworkFilters(config.networkFilters(), "listener " + name);
    } catch (ConfigException e) {
      server.releaseHcm(hcm);
      if (sub != null) {
        release(sub.name, name);
      }
      releaseUnusedExtensions(); // ECDS slots (and default configs) made for this listener alone
      return Verdicts.reject(e.getMessage());
    }
    if (sub != null) {
      sub.listeners.put(name, config.hcm().statPrefix());
    }
    Built built = new Built(config, hcm, rds, ecdsNames(update, config));
    Built previousWarming = warming.remove(name);
    if (previousWarming != null) {
      releaseIfChanged(previousWarming, built, name);
      server.releaseHcm(previousWarming.hcm()); // never went live
    }
    if (ready(built)) {
      try {
        activate(built);
      } catch (ConfigException e) {
        server.releaseHcm(hcm);
        releaseUnusedExtensions();
        return Verdicts.reject(e.getMessage());
      }
    } else {
      warming.put(name, built);
      log.debug("event=listener_warming listener={} rds={} ecds={}", name, rds, built.ecds());
    }
    releaseUnusedExtensions();
    onProgress.run();
    return Verdicts.accept();
  }

  /** The ECDS names of its HTTP filters (found by xds-client) and of its network filters. */
  private static Set<String> ecdsNames(ListenerUpdate update, ListenerConfig config) {
    Set<String> names = new HashSet<>(update.extensionConfigNames());
    config.networkFilters().stream().filter(f -> f.discovery().isPresent()).forEach(f -> names.add(f.name()));
    return Set.copyOf(names);
  }

  /** Its route config (if RDS) and every ECDS filter config it waits for are there (or timed out). */
  private boolean ready(Built b) {
    if (b.rds().isPresent()) {
      RouteSubscription sub = routes.get(b.rds().get());
      if (sub != null && !sub.ready) {
        return false;
      }
    }
    return extensions.pending(b.ecds()).isEmpty();
  }

  private void activate(Built built) {
    String name = built.config().name();
    server.addOrUpdateListener(built.config(), built.hcm(), drainTime);
    Built previous = active.put(name, built);
    if (previous != null) {
      releaseIfChanged(previous, built, name);
    }
  }

  private void releaseIfChanged(Built previous, Built next, String listener) {
    if (previous.rds().isPresent() && !previous.rds().equals(next.rds())) {
      RouteSubscription sub = routes.get(previous.rds().get());
      if (sub != null && !warming.containsKey(listener)) {
        release(sub.name, listener);
      }
    }
  }

  private void releaseUnusedExtensions() {
    Set<String> used = new HashSet<>();
    warming.values().forEach(b -> used.addAll(b.ecds()));
    active.values().forEach(b -> used.addAll(b.ecds()));
    extensions.retainOnly(used);
  }

  @Override
  public void onResourceDoesNotExist(String name) {
    Built w = warming.remove(name);
    if (w != null) {
      server.releaseHcm(w.hcm());
    }
    Built a = active.remove(name);
    if (a != null) {
      server.removeListener(name, drainTime);
    }
    for (Built b : new Built[] {w, a}) {
      if (b != null && b.rds().isPresent()) {
        release(b.rds().get(), name);
      }
    }
    releaseUnusedExtensions();
    onProgress.run();
  }

  @Override
  public void onError(Status status) {
    log.debug("event=lds_error status={}", status);
  }

  @Override
  public void onInitialFetchDone() {
    initialFetchDone = true;
    onProgress.run();
  }

  /** Envoy's listener manager init target: the first LDS response is in and no listener is warming any more. */
  boolean initialized() {
    return initialFetchDone && warming.isEmpty();
  }

  private RouteSubscription subscribe(String routeName, XdsSource source) {
    return routes.computeIfAbsent(routeName, n -> new RouteSubscription(n, source));
  }

  private void release(String routeName, String listener) {
    RouteSubscription sub = routes.get(routeName);
    if (sub == null) {
      return;
    }
    boolean stillUsed = (warming.containsKey(listener) && warming.get(listener).rds().equals(Optional.of(routeName)))
        || (active.containsKey(listener) && active.get(listener).rds().equals(Optional.of(routeName)));
    if (!stillUsed) {
      sub.listeners.remove(listener);
    }
    if (sub.listeners.isEmpty()) {
      sub.handle.cancel();
      routes.remove(routeName);
    }
  }

  /** A dependency arrived (or timed out): listeners with nothing left to wait for go active. */
  void activateReady() {
    for (Built b : List.copyOf(warming.values())) {
      if (ready(b)) {
        warming.remove(b.config().name());
        try {
          activate(b);
          log.debug("event=listener_warmed listener={}", b.config().name());
        } catch (ConfigException e) {
          server.releaseHcm(b.hcm());
          stats.counter("listener_manager.listener_create_failure").inc();
          log.error("event=listener_failed listener={} error={}", b.config().name(), e.getMessage());
        }
      }
    }
    onProgress.run();
  }

  /** One RDS resource, the route table built from it, and the listeners (HCM stat prefixes) that use it. */
  private final class RouteSubscription implements ResourceWatcher<RouteConfigurationUpdate> {
    final String name;
    final Map<String, String> listeners = new ConcurrentHashMap<>();
    final AtomicReference<RouteTable> current = new AtomicReference<>();
    final WatchHandle handle;
    volatile boolean ready;

    RouteSubscription(String name, XdsSource source) {
      this.name = name;
      this.handle = xds.watch(RouteConfigurationResource.INSTANCE, name, source, this);
    }

    RouteTable table() {
      RouteTable t = current.get();
      return t != null ? t : NO_ROUTES;
    }

    private void count(String stat) {
      for (String prefix : new HashSet<>(listeners.values())) {
        stats.counter("http." + prefix + ".rds." + name + "." + stat).inc();
      }
    }

    @Override
    public CompletionStage<Optional<String>> onChanged(RouteConfigurationUpdate update) {
      count("update_attempt");
      RouteTable table;
      try {
        table = BootstrapTranslator.routeTable(update.proto(), "route_configuration " + name, clusters.knownNames());
      } catch (ConfigException e) {
        count("update_rejected");
        return Verdicts.reject(e.getMessage());
      }
      current.set(table);
      count("update_success");
      ready = true;
      activateReady();
      return Verdicts.accept();
    }

    @Override
    public void onResourceDoesNotExist(String resource) {
      // Not there within initial_fetch_timeout: listeners waiting for it go active with no routes (404), as Envoy.
      if (!ready) {
        count("init_fetch_timeout");
        ready = true;
        activateReady();
      }
    }
  }
}

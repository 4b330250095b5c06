package io.wasmplane.dataplane.xds;

import io.grpc.Status;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.FilterChainConfig;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
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
  private final DynamicSecrets secrets;
  /** Built, waiting for their route config. */
  private final Map<String, Built> warming = new ConcurrentHashMap<>();
  private final Map<String, Built> active = new ConcurrentHashMap<>();
  private final Map<String, RouteSubscription> routes = new HashMap<>();

  /**
   * A translated listener with its chains' built HCMs (aligned with {@link ListenerConfig#chains()}, null for TCP
   * chains), and the route configs and ECDS filter configs it waits for.
   */
  private record Built(ListenerConfig config, List<HcmRuntime> hcms, Set<String> rds, Set<String> ecds) {}

  DynamicListeners(XdsClient xds, DataplaneServer server, DynamicClusters clusters, DynamicSecrets secrets, StatsRegistry stats,
      Duration drainTime, Runnable onProgress) {
    this.extensions = new ExtensionConfigs(xds, server, stats, name -> activateReady());
    server.extensionConfigProvider(extensions);
    server.networkFilterConfigProvider(extensions);
    this.secrets = secrets;
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
    // A tcp_proxy chain has no HCM (hcm null): no routes, nothing to warm but ECDS.
    Set<String> rds = new LinkedHashSet<>();
    config.chains().forEach(c -> {
      if (c.hcm() != null) {
        c.hcm().rdsRouteConfigName().ifPresent(rds::add);
      }
    });
    Map<String, RouteSubscription> subs = new HashMap<>();
    rds.forEach(r -> subs.put(r, subscribe(r, rdsSources.getOrDefault(r, XdsSource.ADS))));
    List<HcmRuntime> hcms = new ArrayList<>();
    try {
      extensions.expect(ecdsSources);
      for (FilterChainConfig c : config.chains()) {
        String where = "listener " + name + (config.chains().size() > 1 ? " filter chain '" + c.name() + "'" : "");
        c.tls().ifPresent(t -> secrets.expect(t.material(), where));
        if (c.hcm() != null) {
          RouteSubscription sub = c.hcm().rdsRouteConfigName().map(subs::get).orElse(null);
          Supplier<RouteTable> table = sub != null ? sub::table : c.hcm()::routes;
          hcms.add(server.buildHcm(c.hcm(), where, table));
        } else {
          hcms.add(null);
        }
        // Subscribed now, so the listener warms until they arrive; the chain binds to them when it is built.
        extensions.declareNetworkFilters(c.networkFilters(), where);
      }
    } catch (ConfigException e) {
      hcms.forEach(server::releaseHcm);
      rds.forEach(r -> release(r, name));
      releaseUnusedExtensions(); // ECDS slots (and default configs) made for this listener alone
      return Verdicts.reject(e.getMessage());
    }
    for (FilterChainConfig c : config.chains()) {
      if (c.hcm() != null) {
        c.hcm().rdsRouteConfigName().ifPresent(r -> subs.get(r).listeners
            .computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet()).add(c.hcm().statPrefix()));
      }
    }
    Built built = new Built(config, hcms, Set.copyOf(rds), ecdsNames(update, config));
    Built previousWarming = warming.remove(name);
    if (previousWarming != null) {
      releaseIfChanged(previousWarming, built, name);
      previousWarming.hcms().forEach(server::releaseHcm); // never went live
    }
    if (ready(built)) {
      try {
        activate(built);
      } catch (ConfigException e) {
        hcms.forEach(server::releaseHcm);
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
    config.chains().forEach(c -> c.networkFilters().stream().filter(f -> f.discovery().isPresent()).forEach(f -> names.add(f.name())));
    return Set.copyOf(names);
  }

  /** Its route config (if RDS) and every ECDS filter config it waits for are there (or timed out). */
  /**
   * Each warming listener with what it still waits for, named after Envoy's init targets (xds-client thread: the route
   * subscriptions are confined to it).
   */
  java.util.SortedMap<String, List<String>> unready() {
    java.util.SortedMap<String, List<String>> out = new java.util.TreeMap<>();
    warming.forEach((name, b) -> {
      java.util.Set<String> targets = new java.util.LinkedHashSet<>();
      new java.util.TreeSet<>(b.rds()).forEach(r -> {
        RouteSubscription sub = routes.get(r);
        if (sub != null && !sub.ready) {
          targets.add("RdsRouteConfigSubscription init " + r);
        }
      });
      new java.util.TreeSet<>(extensions.pending(b.ecds())).forEach(n -> targets.add("FilterConfigSubscription init " + n));
      b.config().chains().forEach(c -> c.tls().ifPresent(t -> secrets.pending(t.material()).forEach(s -> targets.add("SdsApi " + s))));
      out.put(name, List.copyOf(targets));
    });
    return out;
  }

  private boolean ready(Built b) {
    for (String r : b.rds()) {
      RouteSubscription sub = routes.get(r);
      if (sub != null && !sub.ready) {
        return false;
      }
    }
    return extensions.pending(b.ecds()).isEmpty()
        && b.config().chains().stream().allMatch(c -> c.tls().map(t -> secrets.ready(t.material())).orElse(true));
  }

  private void activate(Built built) {
    String name = built.config().name();
    server.addOrUpdateListener(built.config(), built.hcms(), drainTime);
    Built previous = active.put(name, built);
    if (previous != null) {
      releaseIfChanged(previous, built, name);
    }
  }

  private void releaseIfChanged(Built previous, Built next, String listener) {
    for (String r : previous.rds()) {
      RouteSubscription sub = routes.get(r);
      if (!next.rds().contains(r) && sub != null && !warming.containsKey(listener)) {
        release(sub.name, listener);
      }
    }
  }

  private void releaseUnusedExtensions() {
    Set<String> used = new HashSet<>();
    warming.values().forEach(b -> used.addAll(b.ecds()));
    active.values().forEach(b -> used.addAll(b.ecds()));
    extensions.retainOnly(used);
    // SDS secrets follow the same rule: what no warming or active listener's filter chain refers to is released.
    secrets.retainOnly("listeners", DynamicSecrets.namesOf(java.util.stream.Stream.concat(warming.values().stream(), active.values().stream())
        .flatMap(b -> b.config().chains().stream()).flatMap(c -> c.tls().stream()).map(t -> t.material())));
  }

  @Override
  public void onResourceDoesNotExist(String name) {
    Built w = warming.remove(name);
    if (w != null) {
      w.hcms().forEach(server::releaseHcm);
    }
    Built a = active.remove(name);
    if (a != null) {
      server.removeListener(name, drainTime);
    }
    for (Built b : new Built[] {w, a}) {
      if (b != null) {
        b.rds().forEach(r -> release(r, name));
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
    boolean stillUsed = (warming.containsKey(listener) && warming.get(listener).rds().contains(routeName))
        || (active.containsKey(listener) && active.get(listener).rds().contains(routeName));
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
          b.hcms().forEach(server::releaseHcm);
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
    /** Listener name -> the stat prefixes of its chains' HCMs that use this route config. */
    final Map<String, Set<String>> listeners = new ConcurrentHashMap<>();
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
      Set<String> prefixes = new HashSet<>();
      listeners.values().forEach(prefixes::addAll);
      for (String prefix : prefixes) {
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

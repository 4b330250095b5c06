package io.wasmplane.dataplane.xds;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.HttpFilterConfig;
import io.wasmplane.dataplane.config.NetworkFilterConfig;
import io.wasmplane.dataplane.config.TypedStructs;
import io.wasmplane.dataplane.http.ExtensionConfigProvider;
import io.wasmplane.dataplane.http.FilterStatus;
import io.wasmplane.dataplane.http.HttpFilter;
import io.wasmplane.dataplane.http.HttpFilterFactory;
import io.wasmplane.dataplane.network.DiscoveredNetworkFilters;
import io.wasmplane.dataplane.server.DataplaneServer;
import io.wasmplane.dataplane.wasm.PluginHandle;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.xds.ResourceWatcher;
import io.wasmplane.xds.XdsClient;
import io.wasmplane.xds.XdsSource;
import io.wasmplane.xds.resource.ExtensionConfigResource;
import io.wasmplane.xds.resource.ExtensionConfigUpdate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ECDS for HTTP filters and network filters: one subscription per filter name (the resource name). An update is built
 * with the same factory as static config (Wasm: loaded and its canary's on_configure must succeed), else NACKed; new
 * streams / connections get the new config, running ones keep theirs. Without a config (and no default) an HTTP
 * stream gets 500 and a connection is closed, as Envoy. Callbacks run on the xds-client thread; the filters read the
 * current config lock-free.
 */
final class ExtensionConfigs implements ExtensionConfigProvider, DiscoveredNetworkFilters {
  private static final Logger log = LoggerFactory.getLogger(ExtensionConfigs.class);

  private final XdsClient xds;
  private final DataplaneServer server;
  private final StatsRegistry stats;
  private final Consumer<String> onReady;
  private final Map<String, Slot<HttpFilterFactory>> httpSlots = new HashMap<>();
  private final Map<String, Slot<PluginHandle>> networkSlots = new HashMap<>();
  private final Kind<HttpFilterFactory> httpKind;
  private final Kind<PluginHandle> networkKind;

  /** How one kind of filter is built from an ECDS config, let go, and named in stats. */
  private record Kind<T>(String statScope, Builder<T> builder, Consumer<T> release) {}

  private interface Builder<T> {
    /** {@code serving}: the version this one replaces (null for a first version or a default). */
    T build(String name, String typeUrl, com.google.protobuf.Any typedConfig, String where, T serving);
  }
  /** Where the filters of the listener being built get their config (config_discovery.config_source), by name. */
  private Map<String, XdsSource> sources = Map.of();

  ExtensionConfigs(XdsClient xds, DataplaneServer server, StatsRegistry stats, Consumer<String> onReady) {
    this.xds = xds;
    this.server = server;
    this.stats = stats;
    this.onReady = onReady;
    this.httpKind = new Kind<>("http_filter",
        (name, url, typed, where, serving) -> server.buildHttpFilter(new HttpFilterConfig(name, url, typed), where),
        server::releaseHttpFilter);
    this.networkKind = new Kind<>("network_filter",
        // A replacement of a plugin that loaded is an update: code that cannot be had is a NACK, not a failed plugin.
        (name, url, typed, where, serving) -> server.buildNetworkFilter(new NetworkFilterConfig(name, typed), where,
            serving != null && serving.loadFailure().isEmpty()), PluginHandle::release);
  }

  /** The config sources of the next listener's ECDS filters (set right before it is built, xds-client thread). */
  void expect(Map<String, XdsSource> sourcesByFilter) {
    this.sources = Map.copyOf(sourcesByFilter);
  }

  /** Called while a listener is translated (xds-client thread). */
  @Override
  public HttpFilterFactory discoveredFilter(String name, HttpFilterConfig.Discovery discovery, String where) {
    Slot<HttpFilterFactory> s = slot(httpSlots, httpKind, name, discovery, where);
    return cb -> {
      HttpFilterFactory f = s.current();
      return f != null ? f.create(cb) : new MissingConfig(cb, name);
    };
  }

  /** Called while a listener is built (xds-client thread); each connection gets the current version, retained. */
  @Override
  public Supplier<PluginHandle> discoveredNetworkFilter(String name, HttpFilterConfig.Discovery discovery, String where) {
    Slot<PluginHandle> s = slot(networkSlots, networkKind, name, discovery, where);
    return () -> {
      for (int attempt = 0; attempt < 8; attempt++) {
        PluginHandle h = s.current();
        if (h == null) {
          return null;
        }
        if (h.tryRetain()) {
          return h;
        }
        // replaced and fully released between the read and the retain: read the new one
      }
      return null;
    };
  }

  /** Subscribes the listener's network filters that use ECDS (their defaults built: a broken one fails the listener). */
  void declareNetworkFilters(List<NetworkFilterConfig> filters, String where) {
    for (int i = 0; i < filters.size(); i++) {
      NetworkFilterConfig f = filters.get(i);
      if (f.discovery().isPresent()) {
        slot(networkSlots, networkKind, f.name(), f.discovery().get(), where + ".filter_chains[0].filters[" + i + "] " + f.name());
      }
    }
  }

  private <T> Slot<T> slot(Map<String, Slot<T>> slots, Kind<T> kind, String name, HttpFilterConfig.Discovery discovery,
      String where) {
    Slot<T> slot = slots.get(name);
    if (slot == null) {
      slot = new Slot<>(kind, name, discovery.typeUrls());
      if (discovery.defaultConfig().isPresent()) {
        // A broken default fails the listener that declares it.
        var def = discovery.defaultConfig().get();
        slot.defaultConfig = kind.builder().build(name, def.getTypeUrl(), def, where + ".config_discovery.default_config", null);
        slot.withoutWarming = discovery.applyDefaultConfigWithoutWarming();
      }
      slots.put(name, slot);
      slot.subscribe(sources.getOrDefault(name, XdsSource.ADS));
    }
    return slot;
  }

  /** Names among {@code names} whose listener must still wait (no config yet, no default applied without warming). */
  Set<String> pending(Set<String> names) {
    java.util.Set<String> out = new java.util.HashSet<>();
    for (String n : names) {
      for (Slot<?> s : new Slot<?>[] {httpSlots.get(n), networkSlots.get(n)}) {
        if (s != null && !s.ready && !s.withoutWarming) {
          out.add(n);
        }
      }
    }
    return out;
  }

  /** Drops the subscriptions no listener uses any more (the last watcher gone, xds-client unsubscribes). */
  void retainOnly(Set<String> used) {
    retainOnly(httpSlots, used);
    retainOnly(networkSlots, used);
  }

  private static <T> void retainOnly(Map<String, Slot<T>> slots, Set<String> used) {
    for (var it = slots.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!used.contains(e.getKey())) {
        it.remove();
        e.getValue().close();
        log.debug("event=ecds_unsubscribed filter={}", e.getKey());
      }
    }
  }

  /** One filter name's ECDS state: the discovered config, else the default (once warm or without warming). */
  private final class Slot<T> implements ResourceWatcher<ExtensionConfigUpdate> {
    final Kind<T> kind;
    final String name;
    final List<String> typeUrls;
    volatile T discovered;
    volatile T defaultConfig;
    volatile boolean withoutWarming;
    volatile boolean ready;
    io.wasmplane.xds.WatchHandle handle;

    Slot(Kind<T> kind, String name, List<String> typeUrls) {
      this.kind = kind;
      this.name = name;
      this.typeUrls = typeUrls;
    }

    void subscribe(XdsSource source) {
      handle = xds.watch(ExtensionConfigResource.INSTANCE, name, source, this);
    }

    T current() {
      T d = discovered;
      if (d != null) {
        return d;
      }
      return ready || withoutWarming ? defaultConfig : null;
    }

    void close() {
      handle.cancel();
      for (T t : List.of(java.util.Optional.ofNullable(discovered), java.util.Optional.ofNullable(defaultConfig))
          .stream().flatMap(java.util.Optional::stream).toList()) {
        kind.release().accept(t);
      }
    }

    private String stat(String s) {
      return "extension_config_discovery." + kind.statScope() + "." + name + "." + s;
    }

    /** Its plugin's code is warmed off the xds-client thread, then the filter is built (canaried) there. */
    @Override
    public CompletionStage<Optional<String>> onChanged(ExtensionConfigUpdate update) {
      com.google.protobuf.Any config;
      try {
        config = TypedStructs.expand(update.proto(), "extension config '" + name + "'").getTypedConfig();
      } catch (ConfigException e) {
        stats.counter(stat("config_fail")).inc();
        return Verdicts.reject(e.getMessage());
      }
      if (!typeUrls.contains(config.getTypeUrl())) {
        stats.counter(stat("config_fail")).inc();
        return Verdicts.reject("extension config '" + name + "': type " + config.getTypeUrl() + " is not one of "
            + typeUrls);
      }
      CompletableFuture<Void> code = PluginPrefetch.warm(server::wasmPlugins, PluginPrefetch.ofFilter(config));
      return code.isDone() ? apply(config) : code.thenComposeAsync(v -> apply(config), xds.executor());
    }

    /** {@code config}: the resource's typed_config, any TypedStruct in it expanded. */
    private CompletionStage<Optional<String>> apply(com.google.protobuf.Any config) {
      if (httpSlots.get(name) != this && networkSlots.get(name) != this) {
        return Verdicts.reject("extension config '" + name + "': no longer used");
      }
      T built;
      try {
        built = kind.builder().build(name, config.getTypeUrl(), config, "extension config '" + name + "'", discovered);
      } catch (ConfigException e) {
        stats.counter(stat("config_fail")).inc();
        return Verdicts.reject(e.getMessage());
      }
      T previous = discovered;
      discovered = built;
      if (previous != null) {
        kind.release().accept(previous); // streams / connections that started with it keep their reference
      }
      stats.counter(stat("config_reload")).inc();
      markReady();
      return Verdicts.accept();
    }

    @Override
    public void onResourceDoesNotExist(String resource) {
      // Timed out or removed: the default applies (or none); listeners waiting for it go active.
      T previous = discovered;
      discovered = null;
      if (previous != null) {
        kind.release().accept(previous);
      }
      markReady();
    }

    private void markReady() {
      if (!ready) {
        ready = true;
        onReady.accept(name);
      }
    }
  }

  /** A stream that arrives while the filter has no config: 500, as Envoy's missing-config filter. */
  private static final class MissingConfig implements HttpFilter {
    private final io.wasmplane.dataplane.http.FilterCallbacks cb;
    private final String name;

    MissingConfig(io.wasmplane.dataplane.http.FilterCallbacks cb, String name) {
      this.cb = cb;
      this.name = name;
    }

    @Override
    public FilterStatus decodeHeaders(HttpRequest request, boolean endStream) {
      log.debug("event=ecds_missing_config filter={}", name);
      cb.sendLocalReply(500, "", new DefaultHttpHeaders(), "missing_config");
      return FilterStatus.STOP_ITERATION;
    }
  }
}

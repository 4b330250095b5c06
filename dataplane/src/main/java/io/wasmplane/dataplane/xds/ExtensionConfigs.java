package io.wasmplane.dataplane.xds;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.HttpFilterConfig;
import io.wasmplane.dataplane.http.ExtensionConfigProvider;
import io.wasmplane.dataplane.http.FilterStatus;
import io.wasmplane.dataplane.http.HttpFilter;
import io.wasmplane.dataplane.http.HttpFilterFactory;
import io.wasmplane.dataplane.server.DataplaneServer;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ECDS for HTTP filters: one subscription per filter name (the resource name). An update is built with the same
 * filter factory as static config (Wasm: loaded and its canary's on_configure must succeed), else NACKed; new
 * streams get the new config, running ones keep theirs. Without a config (and no default) a stream gets 500, as
 * Envoy. Callbacks run on the xds-client thread; the filter factories read the current config lock-free.
 */
final class ExtensionConfigs implements ExtensionConfigProvider {
  private static final Logger log = LoggerFactory.getLogger(ExtensionConfigs.class);

  private final XdsClient xds;
  private final DataplaneServer server;
  private final StatsRegistry stats;
  private final Consumer<String> onReady;
  private final Map<String, Slot> slots = new HashMap<>();
  /** Where the filters of the listener being built get their config (config_discovery.config_source), by name. */
  private Map<String, XdsSource> sources = Map.of();

  ExtensionConfigs(XdsClient xds, DataplaneServer server, StatsRegistry stats, Consumer<String> onReady) {
    this.xds = xds;
    this.server = server;
    this.stats = stats;
    this.onReady = onReady;
  }

  /** The config sources of the next listener's ECDS filters (set right before it is built, xds-client thread). */
  void expect(Map<String, XdsSource> sourcesByFilter) {
    this.sources = Map.copyOf(sourcesByFilter);
  }

  /** Called while a listener is translated (xds-client thread). */
  @Override
  public HttpFilterFactory discoveredFilter(String name, HttpFilterConfig.Discovery discovery, String where) {
    Slot slot = slots.get(name);
    if (slot == null) {
      slot = new Slot(name, discovery.typeUrls());
      if (discovery.defaultConfig().isPresent()) {
        // A broken default fails the listener that declares it.
        slot.defaultFactory = server.buildHttpFilter(new HttpFilterConfig(name, discovery.defaultConfig().get().getTypeUrl(),
            discovery.defaultConfig().get()), where + ".config_discovery.default_config");
        slot.withoutWarming = discovery.applyDefaultConfigWithoutWarming();
      }
      slots.put(name, slot);
      slot.subscribe(sources.getOrDefault(name, XdsSource.ADS));
    }
    Slot s = slot;
    return cb -> {
      HttpFilterFactory f = s.current();
      return f != null ? f.create(cb) : new MissingConfig(cb, name);
    };
  }

  /** Names among {@code names} whose listener must still wait (no config yet, no default applied without warming). */
  Set<String> pending(Set<String> names) {
    java.util.Set<String> out = new java.util.HashSet<>();
    for (String n : names) {
      Slot s = slots.get(n);
      if (s != null && !s.ready && !s.withoutWarming) {
        out.add(n);
      }
    }
    return out;
  }

  /** Drops the subscriptions no listener uses any more (the last watcher gone, xds-client unsubscribes). */
  void retainOnly(Set<String> used) {
    for (var it = slots.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!used.contains(e.getKey())) {
        e.getValue().handle.cancel();
        it.remove();
        for (HttpFilterFactory f : new HttpFilterFactory[] {e.getValue().discovered, e.getValue().defaultFactory}) {
          if (f != null) {
            server.releaseHttpFilter(f);
          }
        }
        log.debug("event=ecds_unsubscribed filter={}", e.getKey());
      }
    }
  }

  /** One filter name's ECDS state. */
  private final class Slot implements ResourceWatcher<ExtensionConfigUpdate> {
    final String name;
    final List<String> typeUrls;
    volatile HttpFilterFactory discovered;
    volatile HttpFilterFactory defaultFactory;
    volatile boolean withoutWarming;
    volatile boolean ready;

    Slot(String name, List<String> typeUrls) {
      this.name = name;
      this.typeUrls = typeUrls;
    }

    io.wasmplane.xds.WatchHandle handle;

    void subscribe(XdsSource source) {
      handle = xds.watch(ExtensionConfigResource.INSTANCE, name, source, this);
    }

    HttpFilterFactory current() {
      HttpFilterFactory d = discovered;
      if (d != null) {
        return d;
      }
      return ready || withoutWarming ? defaultFactory : null;
    }

    private String stat(String s) {
      return "extension_config_discovery.http_filter." + name + "." + s;
    }

    /** Its plugin's code is warmed off the xds-client thread, then the filter is built (canaried) there. */
    @Override
    public CompletionStage<Optional<String>> onChanged(ExtensionConfigUpdate update) {
      if (!typeUrls.contains(update.configTypeUrl())) {
        stats.counter(stat("config_fail")).inc();
        return Verdicts.reject("extension config '" + name + "': type " + update.configTypeUrl() + " is not one of "
            + typeUrls);
      }
      CompletableFuture<Void> code = PluginPrefetch.warm(server::wasmPlugins,
          PluginPrefetch.ofFilter(update.proto().getTypedConfig()));
      return code.isDone() ? apply(update) : code.thenComposeAsync(v -> apply(update), xds.executor());
    }

    private CompletionStage<Optional<String>> apply(ExtensionConfigUpdate update) {
      if (slots.get(name) != this) {
        return Verdicts.reject("extension config '" + name + "': no longer used");
      }
      HttpFilterFactory f;
      try {
        f = server.buildHttpFilter(new HttpFilterConfig(name, update.configTypeUrl(), update.proto().getTypedConfig()),
            "extension config '" + name + "'");
      } catch (ConfigException e) {
        stats.counter(stat("config_fail")).inc();
        return Verdicts.reject(e.getMessage());
      }
      HttpFilterFactory previous = discovered;
      discovered = f;
      if (previous != null) {
        server.releaseHttpFilter(previous); // streams that started with it keep their reference
      }
      stats.counter(stat("config_reload")).inc();
      markReady();
      return Verdicts.accept();
    }

    @Override
    public void onResourceDoesNotExist(String resource) {
      // Timed out or removed: the default applies (or 500 without one); listeners waiting for it go active.
      HttpFilterFactory previous = discovered;
      discovered = null;
      if (previous != null) {
        server.releaseHttpFilter(previous);
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

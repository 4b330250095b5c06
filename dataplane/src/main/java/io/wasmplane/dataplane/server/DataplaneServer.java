package io.wasmplane.dataplane.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.DataplaneConfig;
import io.wasmplane.dataplane.config.FilterChainConfig;
import io.wasmplane.dataplane.config.ListenerConfig;
import io.wasmplane.dataplane.http.HcmRuntime;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.dataplane.upstream.ClusterManager;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running proxy: worker event loops, clusters and bound listeners built from a {@link DataplaneConfig}. */
public final class DataplaneServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DataplaneServer.class);

  /** Envoy's --drain-time-s default, for updates that do not name one. */
  private static final Duration DEFAULT_DRAIN_TIME = Duration.ofSeconds(600);

  /** Envoy's server.state values. */
  public enum State { LIVE, DRAINING, PRE_INITIALIZING, INITIALIZING }

  private final DataplaneConfig config;
  /** Static and SDS secrets the TLS contexts refer to by name. */
  private final io.wasmplane.dataplane.tls.SecretStore secrets;
  private final Transport transport;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final int concurrency;
  private final StatsRegistry stats;
  private final ClusterManager clusters;
  private final HcmRuntimeFactory hcmFactory;
  private final ConnectionTracker connections = new ConnectionTracker();
  private final DrainManager drains = new DrainManager();
  /** Listeners /drain_listeners stopped (socket closed); their connections run on. */
  private final java.util.Set<String> stopped = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** The direction /drain_listeners stopped: LDS adds and updates of listeners in it are ignored, as in Envoy. */
  private volatile DrainManager.Scope stoppedScope = DrainManager.Scope.NONE;
  private final Map<String, BoundListener> listeners = new java.util.concurrent.ConcurrentSkipListMap<>();
  private final OriginalDstListeners byDestination = new OriginalDstListeners();
  private final AtomicReference<State> state = new AtomicReference<>(State.INITIALIZING);
  private final long startMillis = System.currentTimeMillis();

  /** A listener's filter chains and the socket it is bound to (none with {@code bind_to_port: false}). */
  public record BoundListener(ListenerChains chains, Channel channel, SwitchingInitializer init) {
    /** The bound address; a listener that binds nothing reports its configured one. */
    public InetSocketAddress boundAddress() {
      return channel == null ? chains.config().address() : (InetSocketAddress) channel.localAddress();
    }

    /** Closes the socket, if the listener has one. */
    /** Closes the listening socket; the close's future (null when there was none). */
    io.netty.channel.ChannelFuture unbind() {
      return channel != null ? channel.close() : null;
    }

    /** The first filter chain's runtime (the only one of most listeners). */
    public ListenerRuntime runtime() {
      return chains.first();
    }

    /** Every filter chain's runtime, {@code filter_chains} in order, then the default chain. */
    public List<ListenerRuntime> runtimes() {
      return chains.runtimes();
    }
  }

  private DataplaneServer(DataplaneConfig config, int concurrency, StatsRegistry stats) {
    this.config = config;
    this.secrets = new io.wasmplane.dataplane.tls.SecretStore(config.secrets());
    this.concurrency = concurrency;
    this.stats = stats;
    this.transport = Transport.best();
    this.boss = transport.newGroup(1, "accept");
    this.workers = transport.newWorkerGroup(concurrency, "worker");
    this.clusters = new ClusterManager(config.clusters(), stats, transport, secrets);
    this.hcmFactory = new HcmRuntimeFactory(clusters, stats, this::wasmPlugins);
    this.node = new io.wasmplane.dataplane.wasm.WasmPluginManager.PropertySource() {
      @Override
      public String nodeId() {
        return config.node().id();
      }

      @Override
      public String nodeCluster() {
        return config.node().cluster();
      }
    };
    registerServerStats();
    long flushMs = config.wasmExtensions() == null ? 5000 : config.wasmExtensions().statsFlushInterval().toMillis();
    boss.scheduleAtFixedRate(stats::flushHistograms, flushMs, flushMs, TimeUnit.MILLISECONDS);
  }

  /** Builds everything and binds every listener; on any failure releases what was started and throws. */
  public static DataplaneServer start(DataplaneConfig config, int concurrency, StatsRegistry stats) {
    return start(config, concurrency, stats, true);
  }

  /**
   * Like {@link #start}, but the server stays INITIALIZING ({@code server.state}, {@code /ready} 503) until
   * {@link #initialized()}: Envoy's init manager waiting for the initial xDS fetch.
   */
  public static DataplaneServer startInitializing(DataplaneConfig config, int concurrency, StatsRegistry stats) {
    return start(config, concurrency, stats, false);
  }

  /** The dynamic config's initial fetch is done: INITIALIZING becomes LIVE. */
  public void initialized() {
    if (state.compareAndSet(State.INITIALIZING, State.LIVE)) {
      log.info("event=server_live listeners={}", listeners.size());
    }
  }

  private static DataplaneServer start(DataplaneConfig config, int concurrency, StatsRegistry stats, boolean live) {
    DataplaneServer s = new DataplaneServer(config, concurrency, stats);
    try {
      s.clusters.awaitInitialized(10_000);
      // Bootstrap extensions and stats sinks start before the listeners, as Envoy's do.
      s.wasmExtensions = new io.wasmplane.dataplane.wasmext.WasmExtensions(config.wasmExtensions(), s::wasmPlugins, stats,
          s.transport, s.workers);
      for (ListenerConfig l : config.listeners()) {
        s.bind(l);
      }
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    if (live) {
      s.state.set(State.LIVE);
    }
    log.info("event=server_started transport={} concurrency={} listeners={} clusters={}", s.transport.name(), concurrency,
        s.listeners.size(), config.clusters().size());
    return s;
  }

  private void bind(ListenerConfig l) {
    List<HcmRuntime> hcms = buildHcms(l);
    try {
      bind(l, hcms);
    } catch (RuntimeException e) {
      hcms.forEach(hcmFactory::release);
      throw e;
    }
  }

  /** Each chain's HCM runtime (null for a TCP proxy chain), aligned with {@link ListenerConfig#chains()}. */
  private List<HcmRuntime> buildHcms(ListenerConfig l) {
    List<HcmRuntime> hcms = new ArrayList<>();
    try {
      for (var c : l.chains()) {
        hcms.add(c.hcm() == null ? null : hcmFactory.build(c.hcm(), where(l, c)));
      }
    } catch (RuntimeException e) {
      hcms.forEach(hcmFactory::release);
      throw e;
    }
    return hcms;
  }

  private void bind(ListenerConfig l, List<HcmRuntime> hcms) {
    String where = "listener " + l.name();
    if (!l.bindToPort()) {
      OriginalDstListeners.requireUniqueAddress(l, listeners.values()); // before any runtime exists
    }
    ListenerChains rt = chains(l, hcms, null);
    SwitchingInitializer init = new SwitchingInitializer(rt, connections, byDestination);
    if (!l.bindToPort()) {
      // Gets only connections another listener hands off by their original destination.
      listeners.put(l.name(), new BoundListener(rt, null, init));
      byDestination.rebuild(listeners.values());
      log.info("event=listener_added listener={} address={} bind_to_port=false", l.name(), l.address());
      return;
    }
    ServerBootstrap b = new ServerBootstrap()
        .group(boss, workers)
        .channel(transport.serverChannel())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(init);
    ChannelSocketOptions.listener(b, l.socketOptions(), transport);
    try {
      Channel ch = b.bind(l.address()).sync().channel();
      if (l.address().getPort() == 0) {
        InetSocketAddress bound = (InetSocketAddress) ch.localAddress();
        rt.useStatScope("listener." + l.address().getHostString() + "_" + bound.getPort(), stats);
      }
      listeners.put(l.name(), new BoundListener(rt, ch, init));
      byDestination.rebuild(listeners.values());
      log.info("event=listener_bound listener={} address={}", l.name(), ch.localAddress());
    } catch (Exception e) {
      rt.runtimes().forEach(ListenerRuntime::retire);
      Throwable cause = e;
      String reason = cause instanceof BindException || String.valueOf(cause.getMessage()).contains("in use")
          ? "address already in use" : cause.toString();
      throw new ConfigException(where + ": cannot bind " + l.address().getHostString() + ":" + l.address().getPort() + ": " + reason, e);
    }
  }

  /**
   * The running chains of {@code l}; {@code hcms} is aligned with {@link ListenerConfig#chains()}. A chain equal to one
   * of {@code previous} (an update) keeps that chain's runtime, its connections and its HCM; the new HCM built for it
   * is released.
   */
  private ListenerChains chains(ListenerConfig l, List<HcmRuntime> hcms, ListenerChains previous) {
    List<FilterChainConfig> configs = l.chains();
    List<ListenerRuntime> runtimes = new ArrayList<>();
    List<HcmRuntime> unused = new ArrayList<>();
    try {
      for (int i = 0; i < configs.size(); i++) {
        FilterChainConfig c = configs.get(i);
        ListenerRuntime kept = previous == null ? null : InPlaceUpdate.unchanged(previous, l, c, runtimes);
        if (kept != null) {
          unused.add(hcms.get(i));
          runtimes.add(kept);
        } else {
          runtimes.add(runtime(l, c, hcms.get(i)));
        }
      }
      ListenerChains chains = new ListenerChains(l, runtimes, connections, stats,
        new ListenerAccessLog(l.accessLogs(), hcmFactory::writer, "listener " + l.name()));
      unused.forEach(hcmFactory::release);
      return chains;
    } catch (RuntimeException e) {
      for (ListenerRuntime rt : runtimes) {
        if (previous == null || !previous.runtimes().contains(rt)) {
          rt.retire();
        }
      }
      throw e;
    }
  }

  /** Names the chain in messages only when there is more than one. */
  private static String where(ListenerConfig l, FilterChainConfig c) {
    return "listener " + l.name() + (l.chains().size() > 1 ? " filter chain '" + c.name() + "'" : "");
  }

  private ListenerRuntime runtime(ListenerConfig l, FilterChainConfig c, HcmRuntime hcm) {
    String where = where(l, c);
    io.wasmplane.dataplane.network.NetworkFilters nf = io.wasmplane.dataplane.network.NetworkFilters.build(c.networkFilters(),
        this::wasmPlugins, networkDiscovery, stats, where);
    io.wasmplane.dataplane.network.TcpProxy tcp;
    Optional<SslContext> ssl;
    try {
      tcp = c.tcpProxy().map(t -> new io.wasmplane.dataplane.network.TcpProxy(t, clusters, stats, transport, this::wasmPlugins,
          hcmFactory::writer, where)).orElse(null);
      ssl = c.tls().map(t -> io.wasmplane.dataplane.tls.ServerTls.context(t, secrets,
          "listener " + l.name() + "." + c.name() + ".transport_socket"));
    } catch (RuntimeException e) {
      nf.close();
      throw e;
    }
    return new ListenerRuntime(l, c, hcm, ssl, stats, nf, tcp, drains);
  }

  /**
   * Builds the run-time form of an HTTP connection manager (filter factories, Wasm plugins canaried, access logs);
   * throws ConfigException naming the cause. With RDS, {@code routes} is read by each new stream.
   */
  public HcmRuntime buildHcm(io.wasmplane.dataplane.config.HcmConfig cfg, String where,
      java.util.function.Supplier<io.wasmplane.dataplane.config.RouteTable> routes) {
    return hcmFactory.build(cfg, where, routes);
  }

  /** Where filters with config_discovery get their config (the xDS side sets it before the first listener). */
  public void extensionConfigProvider(io.wasmplane.dataplane.http.ExtensionConfigProvider provider) {
    hcmFactory.extensionConfigs = provider;
  }

  private volatile io.wasmplane.dataplane.network.DiscoveredNetworkFilters networkDiscovery;

  /** Where network filters with config_discovery get their config (the xDS side sets it before the first listener). */
  public void networkFilterConfigProvider(io.wasmplane.dataplane.network.DiscoveredNetworkFilters provider) {
    networkDiscovery = provider;
  }

  /**
   * Loads and canaries an envoy.filters.network.wasm plugin from an ECDS config; the caller owns the returned
   * reference. Throws ConfigException naming the cause; for an {@code update} of a serving plugin also when its
   * code cannot be had (a first version would run failed, by its failure policy, as in Envoy).
   */
  public io.wasmplane.dataplane.wasm.PluginHandle buildNetworkFilter(io.wasmplane.dataplane.config.NetworkFilterConfig f,
      String where, boolean update) {
    return io.wasmplane.dataplane.network.NetworkFilters.prepare(f, wasmPlugins(), where,
        update ? io.wasmplane.dataplane.wasm.WasmPluginManager.Mode.UPDATE : io.wasmplane.dataplane.wasm.WasmPluginManager.Mode.INITIAL);
  }

  /** Builds an HTTP filter from an ECDS config (Wasm: loaded and canaried); throws ConfigException naming the cause. */
  public io.wasmplane.dataplane.http.HttpFilterFactory buildHttpFilter(io.wasmplane.dataplane.config.HttpFilterConfig f,
      String where) {
    return hcmFactory.discoveredFilter(f, where);
  }

  /** Why the serving ECDS version of HTTP filter {@code name} runs without its Wasm plugin (code that could not be had). */
  public java.util.Optional<String> ecdsFilterLoadFailure(String name) {
    return hcmFactory.discoveredLoadFailure(name);
  }

  /** Releases the plugin references of an HCM runtime built by {@link #buildHcm} that never went (or is no longer) live. */
  public void releaseHcm(HcmRuntime hcm) {
    hcmFactory.release(hcm);
  }

  /** Releases a filter factory built by {@link #buildHttpFilter} that is no longer used (replaced ECDS config). */
  public void releaseHttpFilter(io.wasmplane.dataplane.http.HttpFilterFactory f) {
    hcmFactory.releaseFilter(f);
  }

  /**
   * Adds a listener or updates one (LDS). On the same address the socket stays bound: new connections go to the new
   * runtime and the old runtime's connections are drained (HTTP/1.1 close after the response, HTTP/2 GOAWAY) and
   * closed after {@code drainTime}. On another address the new socket is bound before the old one is closed.
   */
  public synchronized void addOrUpdateListener(ListenerConfig l, List<HcmRuntime> hcms, Duration drainTime) {
    if (ignoredWhileStopped(l)) {
      hcms.forEach(hcmFactory::release);
      return;
    }
    BoundListener old = listeners.get(l.name());
    if (old != null && old.chains().config().address().equals(l.address())
        && old.chains().config().bindToPort() == l.bindToPort()) {
      ChannelSocketOptions.requireUnchanged(old.chains().config(), l);
      // Envoy's in-place filter chain update: chains that did not change keep their runtime and their connections.
      ListenerChains rt = chains(l, hcms, old.chains());
      InetSocketAddress bound = old.boundAddress();
      rt.useStatScope("listener." + l.address().getHostString() + "_" + bound.getPort(), stats);
      old.init().use(rt);
      listeners.put(l.name(), new BoundListener(rt, old.channel(), old.init()));
      byDestination.rebuild(listeners.values());
      long kept = retire(old.chains(), rt, drainTime);
      log.info("event=listener_updated listener={} address={} chains={} unchanged_chains={}", l.name(), bound,
          rt.runtimes().size(), kept);
      return;
    }
    if (old != null) {
      listeners.remove(l.name());
    }
    try {
      bind(l, hcms);
    } catch (RuntimeException e) {
      if (old != null) {
        listeners.put(l.name(), old);
        byDestination.rebuild(listeners.values());
      }
      throw e;
    }
    if (old != null) {
      old.unbind();
      retire(old.chains(), null, drainTime);
    }
  }

  /** Removes a listener (LDS): closes its socket and drains its connections. */
  public synchronized boolean removeListener(String name, Duration drainTime) {
    BoundListener old = listeners.remove(name);
    if (old == null) {
      return false;
    }
    byDestination.rebuild(listeners.values());
    old.unbind();
    retire(old.chains(), null, drainTime);
    log.info("event=listener_removed listener={}", name);
    return true;
  }

  /**
   * The chains of a replaced or removed listener that {@code next} does not keep: their connections are drained (HTTP:
   * close after the response / GOAWAY; TCP: left running) and whatever is still open after {@code drainTime} is
   * closed. Their HCM and network chain lose the listener's references now; each connection holds the plugin versions
   * it uses until it ends. Returns how many chains {@code next} kept.
   */
  private long retire(ListenerChains old, ListenerChains next, Duration drainTime) {
    long kept = 0;
    for (ListenerRuntime rt : old.runtimes()) {
      if (next != null && next.runtimes().contains(rt)) {
        kept++;
      } else {
        retire(rt, drainTime);
      }
    }
    return kept;
  }

  private void retire(ListenerRuntime old, Duration drainTime) {
    for (Channel c : old.connections) {
      notifyDrain(c, drainTime);
    }
    boss.schedule(() -> old.connections.close(), drainTime.toMillis(), TimeUnit.MILLISECONDS);
    old.retire();
    hcmFactory.release(old.hcm());
  }

  private io.wasmplane.wasm.WasmRuntime wasm;
  private io.wasmplane.dataplane.wasm.WasmPluginManager wasmPlugins;
  private final io.wasmplane.dataplane.wasm.WasmPluginManager.PropertySource node;

  /** The Wasm plugin lifecycle (code fetch, caches, compile, canary, handles), created with the first Wasm plugin. */
  public synchronized io.wasmplane.dataplane.wasm.WasmPluginManager wasmPlugins() {
    if (wasmPlugins == null) {
      var cacheOptions = io.wasmplane.dataplane.wasm.WasmCacheOptions.fromEnvironment();
      wasmPlugins = new io.wasmplane.dataplane.wasm.WasmPluginManager(wasmRuntime(cacheOptions), clusters::get, workers, stats, node,
          cacheOptions);
    }
    return wasmPlugins;
  }
  private io.wasmplane.dataplane.wasmext.WasmExtensions wasmExtensions;

  /** The process-wide Wasm runtime, created when the first Wasm filter is configured. */
  private synchronized io.wasmplane.wasm.WasmRuntime wasmRuntime(io.wasmplane.dataplane.wasm.WasmCacheOptions cacheOptions) {
    if (wasm == null) {
      // Chicory's compiled form of each module is cached on disk beside the module bytes.
      // The watchdog's call timeout and the page limit come from wasmplane.wasm.* settings (no Envoy field has them).
      wasm = io.wasmplane.wasm.WasmRuntime.create(io.wasmplane.dataplane.wasm.WasmRuntimeLimits.fromEnvironment()
          .applyTo(io.wasmplane.wasm.RuntimeOptions.defaults().withCompiledCodeCacheDir(cacheOptions.compiledDir())));
      io.wasmplane.wasm.WasmRuntime rt = wasm;
      // Plugin metrics show in /stats under the names the plugins defined (Envoy strips its "wasmcustom." prefix);
      // histograms record straight into the stats store's histograms, counters and gauges are read at snapshot time.
      rt.metrics().histogramSink(name -> stats.histogram(pluginStatName(name))::record);
      stats.addSource("wasm", new io.wasmplane.dataplane.stats.StatsRegistry.StatsSource() {
        @Override
        public void collect(Map<String, Long> counters, Map<String, Long> gauges) {
          rt.metrics().snapshot().forEach(m -> {
            switch (m.type()) {
              case COUNTER -> counters.put(pluginStatName(m.name()), m.value());
              case GAUGE -> gauges.put(pluginStatName(m.name()), m.value());
              case HISTOGRAM -> { } // in the registry's histograms
            }
          });
        }

        @Override
        public void resetCounters() {
          rt.metrics().resetCounters();
        }
      });
    }
    return wasm;
  }

  private static String pluginStatName(String name) {
    return name.startsWith("wasmcustom.") ? name.substring("wasmcustom.".length()) : name;
  }

  private void registerServerStats() {
    stats.gauge("server.live", () -> state() == State.LIVE ? 1 : 0);
    stats.gauge("server.state", () -> state().ordinal());
    stats.gauge("server.uptime", () -> (System.currentTimeMillis() - startMillis) / 1000);
    stats.gauge("server.concurrency", () -> concurrency);
    stats.gauge("server.total_connections", connections::size);
    stats.gauge("server.memory_allocated", () -> Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
    stats.gauge("server.memory_heap_size", () -> Runtime.getRuntime().totalMemory());
    stats.gauge("server.version", () -> 0);
    stats.counter("listener_manager.listener_stopped"); // 0 until /drain_listeners stops one
  }

  /** The secrets TLS contexts use (SDS updates go here). */
  public io.wasmplane.dataplane.tls.SecretStore secrets() {
    return secrets;
  }

  public DataplaneConfig config() {
    return config;
  }

  public StatsRegistry stats() {
    return stats;
  }

  public ClusterManager clusters() {
    return clusters;
  }

  public Map<String, BoundListener> listeners() {
    return listeners;
  }

  /** Envoy's server state: a LIVE server that is health-check failed reports DRAINING. */
  public State state() {
    State s = state.get();
    return s == State.LIVE && drains.healthCheckFailed() ? State.DRAINING : s;
  }

  /**
   * Envoy's {@code /healthcheck/fail} and {@code /healthcheck/ok}: while failed, the server is DRAINING
   * ({@code server.live} 0, {@code /ready} 503) and every response on a listener with {@code drain_type: DEFAULT}
   * closes its connection (HTTP/1.1 {@code Connection: close}, HTTP/2 GOAWAY).
   */
  public void failHealthCheck(boolean failed) {
    drains.healthCheckFailed(failed);
    log.info("event=health_check_{}", failed ? "failed" : "ok");
  }

  /**
   * Envoy's {@code /drain_listeners}: without {@code graceful}, the listeners of {@code scope} stop accepting now
   * (their connections run on). With it, their connections are asked to close (HTTP/1.1 {@code Connection: close},
   * HTTP/2 GOAWAY, every later response too) while they keep accepting for {@code drainTime}; then they stop, unless
   * {@code skipExit}. A second graceful drain while one runs is ignored, as in Envoy.
   */
  public void drainListeners(DrainManager.Scope scope, boolean graceful, boolean skipExit, Duration drainTime) {
    if (!graceful) {
      // The admin answers once the sockets are closed, as Envoy's does: a script that drains and then probes the
      // port must find it refusing.
      for (io.netty.channel.ChannelFuture closed : stopListeners(scope)) {
        if (!closed.channel().eventLoop().inEventLoop()) {
          closed.awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
      }
      return;
    }
    if (!drains.startGraceful(scope, drainTime)) {
      return;
    }
    log.info("event=graceful_drain_started scope={} drain_time_s={} skip_exit={} strategy={}", scope, drainTime.toSeconds(),
        skipExit, drains.strategy().name().toLowerCase(java.util.Locale.ROOT));
    for (BoundListener b : listeners.values()) {
      if (DrainManager.covers(scope, b.chains().config())) {
        b.runtimes().forEach(rt -> rt.connections.forEach(c -> notifyDrain(c, drainTime)));
      }
    }
    if (!skipExit) {
      boss.schedule(() -> stopListeners(scope), drainTime.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Tells a connection to drain (GOAWAY / close after the response): now, or later in the drain time (gradual). */
  private void notifyDrain(Channel c, Duration drainTime) {
    long delay = drains.strategy().notifyDelayMillis(drainTime.toMillis());
    if (delay == 0) {
      c.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
    } else {
      c.eventLoop().schedule(() -> {
        if (c.isActive()) {
          c.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
        }
      }, delay, TimeUnit.MILLISECONDS);
    }
  }

  /** Envoy's {@code --drain-strategy}, for graceful drains and listener updates from now on. */
  public void drainStrategy(DrainStrategy strategy) {
    drains.strategy(strategy);
  }

  /** Closes the sockets of the listeners {@code scope} covers (Envoy's listener_manager.listener_stopped). */
  private synchronized List<io.netty.channel.ChannelFuture> stopListeners(DrainManager.Scope scope) {
    stoppedScope = scope;
    List<io.netty.channel.ChannelFuture> closing = new ArrayList<>();
    for (BoundListener b : listeners.values()) {
      if (DrainManager.covers(scope, b.chains().config()) && b.channel() != null && stopped.add(b.chains().config().name())) {
        closing.add(b.unbind());
        stats.counter("listener_manager.listener_stopped").inc();
        log.info("event=listener_stopped listener={}", b.chains().config().name());
      }
    }
    return closing;
  }

  private boolean ignoredWhileStopped(ListenerConfig l) {
    if (!DrainManager.covers(stoppedScope, l)) {
      return false;
    }
    log.debug("event=listener_update_ignored listener={} reason=listeners_stopped", l.name());
    return true;
  }

  /** The drain state the admin reports. */
  public DrainManager drains() {
    return drains;
  }

  public long startMillis() {
    return startMillis;
  }

  public int concurrency() {
    return concurrency;
  }

  /** The port a listener actually bound (useful with port 0). */
  public int port(String listenerName) {
    BoundListener b = listeners.get(listenerName);
    if (b == null) {
      throw new IllegalArgumentException("no listener " + listenerName);
    }
    return b.boundAddress().getPort();
  }

  /**
   * Applies a new version of a bound listener's HTTP connection manager (routes, filters, access logs, timeouts):
   * new streams use it, streams already running keep the one they started with. The socket stays bound.
   */
  public void updateListener(ListenerConfig l) {
    updateListener(l, DEFAULT_DRAIN_TIME);
  }

  /**
   * As {@link #updateListener(ListenerConfig)}; when the network filters or the terminal filter kind (HCM / tcp_proxy)
   * change, the whole chain is rebuilt beside the old one as {@link #addOrUpdateListener} does (new connections get
   * it, old ones keep theirs and are closed after {@code drainTime}).
   */
  public synchronized void updateListener(ListenerConfig l, Duration drainTime) {
    if (ignoredWhileStopped(l)) {
      return;
    }
    BoundListener b = listeners.get(l.name());
    if (b == null) {
      throw new ConfigException("listener " + l.name() + ": not bound (adding listeners at run time is not supported yet)");
    }
    if (!b.chains().config().address().equals(l.address())) {
      throw new ConfigException("listener " + l.name() + ": changing the address of a bound listener is not supported yet");
    }
    ChannelSocketOptions.requireUnchanged(b.chains().config(), l);
    if (!InPlaceUpdate.hcmsOnly(b.chains(), l)) {
      List<HcmRuntime> hcms = buildHcms(l);
      try {
        addOrUpdateListener(l, hcms, drainTime);
      } catch (RuntimeException e) {
        hcms.forEach(hcmFactory::release);
        throw e;
      }
      return;
    }
    List<HcmRuntime> next = buildHcms(l);
    List<ListenerRuntime> runtimes = b.chains().runtimes();
    for (int i = 0; i < runtimes.size(); i++) {
      HcmRuntime old = runtimes.get(i).hcm();
      runtimes.get(i).swapHcm(l.chains().get(i), next.get(i));
      // The old chain's plugin versions go once their last running stream ends (each stream holds its own reference).
      hcmFactory.release(old);
    }
    ListenerChains updated = new ListenerChains(l, runtimes, connections, stats,
        new ListenerAccessLog(l.accessLogs(), hcmFactory::writer, "listener " + l.name()));
    updated.useStatScope("listener." + l.address().getHostString() + "_" + b.boundAddress().getPort(), stats);
    b.init().use(updated);
    listeners.put(l.name(), new BoundListener(updated, b.channel(), b.init()));
    byDestination.rebuild(listeners.values());
  }

  public void flushAccessLogs() {
    hcmFactory.flushAccessLogs();
  }

  /**
   * Envoy's drain: stop accepting, ask every connection to finish its current streams (HTTP/1.1: close after the
   * response; HTTP/2: GOAWAY), and wait for them up to {@code drainTime}.
   */
  public void drain(Duration drainTime) {
    if (state.getAndSet(State.DRAINING) == State.DRAINING) {
      return;
    }
    log.info("event=drain_started connections={} drain_time_s={}", connections.size(), drainTime.toSeconds());
    List<Channel> bound = new ArrayList<>();
    listeners.values().stream().filter(l -> l.channel() != null).forEach(l -> bound.add(l.channel()));
    bound.forEach(c -> c.close().awaitUninterruptibly(1000));
    for (Channel c : connections.channels()) {
      c.pipeline().fireUserEventTriggered(DrainEvent.INSTANCE);
    }
    long deadline = System.nanoTime() + drainTime.toNanos();
    while (connections.size() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    log.info("event=drain_finished remaining_connections={}", connections.size());
  }

  @Override
  public void close() {
    state.set(State.DRAINING);
    listeners.values().forEach(BoundListener::unbind);
    connections.channels().close().awaitUninterruptibly(2000);
    clusters.close();
    hcmFactory.closePlugins();
    if (wasmExtensions != null) {
      wasmExtensions.close();
    }
    listeners.values().forEach(l -> l.runtimes().forEach(ListenerRuntime::retire));
    hcmFactory.closeAccessLogs();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3000);
    synchronized (this) {
      if (wasmPlugins != null) {
        wasmPlugins.close();
      }
      if (wasm != null) {
        wasm.close();
      }
    }
  }
}

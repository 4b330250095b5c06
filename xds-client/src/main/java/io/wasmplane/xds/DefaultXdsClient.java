package io.wasmplane.xds;

import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.wasmplane.xds.resource.ClusterResource;
import io.wasmplane.xds.resource.ListenerResource;
import io.wasmplane.xds.resource.ResourceType;
import io.wasmplane.xds.resource.XdsResource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The xDS client: one {@link ControlPlaneClient} per control plane (the ADS server, and each server an
 * {@code api_config_source} names), created with its first subscription, all on one thread ("xds-client") that runs
 * the gRPC callbacks, timers and watcher callbacks.
 */
public final class DefaultXdsClient implements XdsClient {
  private static final Logger log = LoggerFactory.getLogger(DefaultXdsClient.class);

  private final XdsClientConfig config;
  private final XdsStats stats;
  private final ScheduledExecutorService executor;
  private final Map<ServerInfo, ControlPlaneClient> clients = new ConcurrentHashMap<>();
  private volatile boolean closed;
  private volatile Thread clientThread;

  private DefaultXdsClient(XdsClientConfig config, XdsStats stats) {
    this.config = config;
    this.stats = stats;
    ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "xds-client");
      t.setDaemon(true);
      clientThread = t;
      return t;
    });
    ex.setRemoveOnCancelPolicy(true);
    this.executor = ex;
    stats.setGauge("control_plane.connected_state", 0);
  }

  /** Creates the client and opens the ADS stream (if any) right away; subscriptions follow the watches. */
  public static DefaultXdsClient start(XdsClientConfig config, XdsStats stats) {
    DefaultXdsClient client = new DefaultXdsClient(config, stats);
    config.ads().ifPresent(client::clientOf);
    return client;
  }

  private ControlPlaneClient clientOf(XdsSource source) {
    if (source instanceof XdsSource.Server s) {
      return clientOf(s.info());
    }
    return clientOf(config.ads().orElseThrow(() ->
        new IllegalArgumentException("'ads: {}' config source, but dynamic_resources has no ads_config")));
  }

  private ControlPlaneClient clientOf(ServerInfo server) {
    if (closed) {
      throw new IllegalStateException("xDS client closed");
    }
    return clients.computeIfAbsent(server, s -> {
      ControlPlaneClient c = new ControlPlaneClient(s, config, stats, executor, this::connectivityChanged);
      c.start();
      log.debug("xDS control plane client for {}", s);
      return c;
    });
  }

  /** {@code control_plane.connected_state}: 1 while every stream opened to every control plane is established. */
  private void connectivityChanged() {
    stats.setGauge("control_plane.connected_state", isConnected() ? 1 : 0);
  }

  private boolean isConnected() {
    boolean any = false;
    for (ControlPlaneClient c : clients.values()) {
      if (c.hasStreams()) {
        any = true;
        if (!c.connected()) {
          return false;
        }
      }
    }
    return any && !closed;
  }

  /** LDS and CDS follow lds_config / cds_config; every other type defaults to ADS. */
  private XdsSource defaultSource(ResourceType<?, ?> type) {
    if (type == ListenerResource.INSTANCE) {
      return config.ldsSource();
    }
    return type == ClusterResource.INSTANCE ? config.cdsSource() : XdsSource.ADS;
  }

  @Override
  public <T extends XdsResource> WatchHandle watch(ResourceType<?, T> type, String name, ResourceWatcher<T> watcher) {
    return watch(type, name, defaultSource(type), watcher);
  }

  @Override
  public <T extends XdsResource> WatchHandle watch(ResourceType<?, T> type, String name, XdsSource source,
      ResourceWatcher<T> watcher) {
    return clientOf(source).watch(type, name, timeoutOf(source), watcher);
  }

  @Override
  public <T extends XdsResource> WatchHandle watchAll(ResourceType<?, T> type, ResourceWatcher<T> watcher) {
    return watchAll(type, defaultSource(type), watcher);
  }

  @Override
  public <T extends XdsResource> WatchHandle watchAll(ResourceType<?, T> type, XdsSource source,
      ResourceWatcher<T> watcher) {
    return clientOf(source).watchAll(type, timeoutOf(source), watcher);
  }

  /** The source's own initial_fetch_timeout, else the client's (lds_config's, as the bootstrap gives it). */
  private java.time.Duration timeoutOf(XdsSource source) {
    return source.initialFetchTimeout().orElse(config.initialFetchTimeout());
  }

  @Override
  public XdsSource resolve(ConfigSource source, String field) {
    XdsSource resolved = config.resolver().resolve(source, field);
    if (resolved instanceof XdsSource.Ads && config.ads().isEmpty()) {
      throw new IllegalArgumentException(field + ": 'ads: {}' but dynamic_resources has no ads_config");
    }
    return resolved;
  }

  @Override
  public Executor executor() {
    return task -> {
      try {
        executor.execute(task);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        log.debug("xDS client closed; dropping a task");
      }
    };
  }

  @Override
  public XdsCacheView cacheView() {
    return new XdsCacheView() {
      @Override
      public List<ResourceSnapshot> resources(ResourceType<?, ?> type) {
        List<ResourceSnapshot> out = new ArrayList<>();
        clients.values().forEach(c -> out.addAll(c.resources(type)));
        out.sort(Comparator.comparing(ResourceSnapshot::name));
        return out;
      }

      @Override
      public String versionInfo(ResourceType<?, ?> type) {
        XdsSource source = defaultSource(type);
        ServerInfo server = source instanceof XdsSource.Server s ? s.info() : config.ads().orElse(null);
        ControlPlaneClient c = server == null ? null : clients.get(server);
        return c == null ? "" : c.versionInfo(type);
      }

      @Override
      public boolean connected() {
        return isConnected();
      }
    };
  }

  @Override
  public void close() {
    Runnable shutdown = () -> {
      closed = true;
      clients.values().forEach(ControlPlaneClient::shutdown);
    };
    if (Thread.currentThread() == clientThread) {
      shutdown.run(); // closed from a watcher callback
    } else {
      try {
        CompletableFuture.runAsync(shutdown, executor).get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.debug("closing xDS client: {}", e.toString());
      }
    }
    closed = true;
    executor.shutdownNow();
    clients.values().forEach(ControlPlaneClient::closeChannel);
    stats.setGauge("control_plane.connected_state", 0);
  }

  /** Exponential backoff with jitter: drawn from [cap/2, cap], cap = min(base * 2^attempt, max). */
  static long backoffMillis(int attempt, java.time.Duration baseDelay, java.time.Duration maxDelay) {
    long base = baseDelay.toMillis();
    long max = maxDelay.toMillis();
    long cap = attempt >= 30 ? max : Math.min(max, base << attempt);
    return cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
  }

  /** Envoy reports the version as a hash of version_info; we use the first 8 bytes of its SHA-256. */
  static long versionHash(String versionInfo) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(versionInfo.getBytes(StandardCharsets.UTF_8));
      long h = 0;
      for (int i = 0; i < 8; i++) {
        h = (h << 8) | (d[i] & 0xff);
      }
      return h;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

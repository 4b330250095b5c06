package io.wasmplane.controlplane;

import io.wasmplane.controlplane.config.CompiledConfig;
import io.wasmplane.controlplane.config.ConfigException;
import io.wasmplane.controlplane.config.ModuleStore;
import io.wasmplane.controlplane.config.RolloutFileLoader;
import io.wasmplane.controlplane.http.FileServer;
import io.wasmplane.controlplane.http.NodeResourcesView;
import io.wasmplane.controlplane.tls.ServerTls;
import io.wasmplane.controlplane.xds.NodeStatusRegistry;
import io.wasmplane.controlplane.xds.XdsHub;
import io.wasmplane.controlplane.xds.XdsServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running stub: file server, xDS server and file watcher around one rollout file. */
public final class ControlPlane implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);

  /**
   * @param host address both servers bind to (module URIs use 127.0.0.1 when this is a wildcard address)
   * @param xdsPort 0 = any free port; same for httpPort
   */
  public record Options(Path config, String host, int xdsPort, int httpPort, Duration pollInterval, Optional<ServerTls> tls) {
    public Options(Path config, int xdsPort, int httpPort) {
      this(config, "127.0.0.1", xdsPort, httpPort, Duration.ofMillis(250));
    }

    public Options(Path config, String host, int xdsPort, int httpPort, Duration pollInterval) {
      this(config, host, xdsPort, httpPort, pollInterval, Optional.empty());
    }
  }

  private final Path config;
  private final FileServer files;
  private final XdsHub hub;
  private final XdsServer xds;
  private final ConfigWatcher watcher;

  private ControlPlane(Path config, FileServer files, XdsHub hub, XdsServer xds, ConfigWatcher watcher) {
    this.config = config;
    this.files = files;
    this.hub = hub;
    this.xds = xds;
    this.watcher = watcher;
  }

  /** Starts everything; a config that does not load fails the start with the loader's message. */
  public static ControlPlane start(Options o) throws IOException, ConfigException {
    ModuleStore modules = new ModuleStore();
    AtomicReference<ControlPlane> self = new AtomicReference<>();
    FileServer files = FileServer.start(modules, () -> {
      ControlPlane cp = self.get();
      return cp == null ? "starting" : cp.status();
    }, nodeId -> {
      ControlPlane cp = self.get();
      if (cp == null) {
        return java.util.Optional.empty();
      }
      var node = cp.hub.status().node(nodeId);
      return node.isEmpty() ? java.util.Optional.empty()
          : java.util.Optional.of(NodeResourcesView.render(nodeId, cp.hub.snapshotFor(node.get())));
    }, o.host(), o.httpPort(), o.tls().filter(ServerTls::filesOverHttps));
    try {
      String advertised = o.host().equals("0.0.0.0") || o.host().equals("::") ? "127.0.0.1" : o.host();
      RolloutFileLoader loader = new RolloutFileLoader(modules, advertised, files.port());
      CompiledConfig initial = loader.load(o.config());
      XdsHub hub = new XdsHub(initial);
      XdsServer xds = XdsServer.start(hub, o.host(), o.xdsPort(), o.tls());
      ConfigWatcher watcher = new ConfigWatcher(o.config(), loader, initial, hub::update);
      watcher.start(o.pollInterval());
      ControlPlane cp = new ControlPlane(o.config(), files, hub, xds, watcher);
      self.set(cp);
      log.info("control plane up: xDS on {}:{}, files and /status on http://{}:{}; {} plugins, {} listeners",
          o.host(), xds.port(), o.host(), files.port(), initial.plugins().size(), initial.listeners().size());
      return cp;
    } catch (IOException | ConfigException | RuntimeException e) {
      files.close();
      throw e;
    }
  }

  public int xdsPort() {
    return xds.port();
  }

  public int httpPort() {
    return files.port();
  }

  public NodeStatusRegistry nodes() {
    return hub.status();
  }

  public StatusReport status() {
    ConfigWatcher.ReloadState s = watcher.state();
    return new StatusReport(config.toString(), hub.generation(), s.loadedAt().toString(), s.lastError(),
        s.lastErrorAt() == null ? null : s.lastErrorAt().toString(), hub.status().view());
  }

  @Override
  public void close() {
    watcher.close();
    xds.close();
    files.close();
  }
}

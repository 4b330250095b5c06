package io.wasmplane.controlplane;

import io.wasmplane.controlplane.config.CompiledConfig;
import io.wasmplane.controlplane.config.ConfigException;
import io.wasmplane.controlplane.config.RolloutFileLoader;
import io.wasmplane.controlplane.config.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the rollout file's content and its module files' mtime/size. A change is applied once it has been stable
 * for one poll (debounce for editors that write in steps); a file that fails to load is logged with its cause and
 * the last good config stays in service until the next change.
 */
final class ConfigWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

  /** Outcome of the last reload attempt, for /status. */
  record ReloadState(Instant loadedAt, String lastError, Instant lastErrorAt) {}

  private final Path file;
  private final RolloutFileLoader loader;
  private final Consumer<CompiledConfig> apply;
  private final ScheduledExecutorService timer;
  private volatile Set<Path> moduleFiles;
  private volatile ReloadState state;
  private String applied;
  private String pending;

  ConfigWatcher(Path file, RolloutFileLoader loader, CompiledConfig initial, Consumer<CompiledConfig> apply) {
    this.file = file;
    this.loader = loader;
    this.apply = apply;
    this.moduleFiles = initial.moduleFiles();
    this.state = new ReloadState(Instant.now(), null, null);
    this.applied = fingerprint(read(), moduleFiles);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "config-watcher");
      t.setDaemon(true);
      return t;
    });
  }

  void start(Duration interval) {
    timer.scheduleWithFixedDelay(this::tickSafely, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  ReloadState state() {
    return state;
  }

  private void tickSafely() {
    try {
      tick();
    } catch (RuntimeException e) {
      log.error("config watcher: unexpected failure while reloading {}", file, e);
    }
  }

  private void tick() {
    byte[] content = read();
    String now = fingerprint(content, moduleFiles);
    if (now.equals(applied)) {
      pending = null;
      return;
    }
    if (!now.equals(pending)) {
      pending = now;
      return;
    }
    pending = null;
    applied = now;
    if (content == null) {
      state = new ReloadState(state.loadedAt(), file + ": cannot read the file", Instant.now());
      log.error("{}: cannot read the file, still serving the last good config", file);
      return;
    }
    try {
      CompiledConfig cfg = loader.parse(content, file.toAbsolutePath().getParent(), file.toString());
      moduleFiles = cfg.moduleFiles();
      applied = fingerprint(content, moduleFiles);
      apply.accept(cfg);
      state = new ReloadState(Instant.now(), null, null);
      log.info("{} reloaded: {} plugins, {} listeners, {} clusters", file, cfg.plugins().size(),
          cfg.listeners().size(), cfg.clusters().size());
    } catch (ConfigException e) {
      state = new ReloadState(state.loadedAt(), e.getMessage(), Instant.now());
      log.error("rejected edit, still serving the last good config: {}", e.getMessage());
    }
  }

  private byte[] read() {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      return null;
    }
  }

  /** Content hash of the file plus mtime and size of each module file it references. */
  private static String fingerprint(byte[] content, Set<Path> moduleFiles) {
    StringBuilder sb = new StringBuilder(content == null ? "unreadable" : Sha256.hex(content));
    for (Path m : moduleFiles) {
      try {
        BasicFileAttributes a = Files.readAttributes(m, BasicFileAttributes.class);
        sb.append('|').append(m).append('@').append(a.lastModifiedTime().toMillis()).append('/').append(a.size());
      } catch (IOException e) {
        sb.append('|').append(m).append("@missing");
      }
    }
    return sb.toString();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}

package io.wasmplane.dataplane.tls;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's {@code watched_directory}: calls back when a file in a directory is created, changed, moved or deleted. One
 * JDK WatchService (inotify on Linux) and one daemon thread for the process; a burst of events (a certificate and key
 * written one after the other, a Kubernetes {@code ..data} symlink swap) is settled for a moment and reported once.
 */
final class DirectoryWatcher {
  private static final Logger log = LoggerFactory.getLogger(DirectoryWatcher.class);
  /** Events closer together than this are one change. */
  private static final long SETTLE_MILLIS = 100;
  private static volatile DirectoryWatcher shared;

  private final WatchService service;
  private final Map<Path, WatchKey> keys = new ConcurrentHashMap<>();
  private final Map<Path, List<Runnable>> listeners = new ConcurrentHashMap<>();

  private DirectoryWatcher() throws IOException {
    service = FileSystems.getDefault().newWatchService();
    Thread t = new Thread(this::run, "tls-directory-watcher");
    t.setDaemon(true);
    t.start();
  }

  static DirectoryWatcher shared() {
    if (shared == null) {
      synchronized (DirectoryWatcher.class) {
        if (shared == null) {
          try {
            shared = new DirectoryWatcher();
          } catch (IOException e) {
            throw new IllegalStateException("cannot watch directories: " + e.getMessage(), e);
          }
        }
      }
    }
    return shared;
  }

  /** Calls {@code onChange} (on the watcher thread) after each change in {@code dir}; the returned action stops that. */
  synchronized Runnable watch(Path dir, Runnable onChange) {
    Path d = dir.toAbsolutePath().normalize();
    keys.computeIfAbsent(d, k -> {
      try {
        return d.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
            StandardWatchEventKinds.ENTRY_DELETE);
      } catch (IOException e) {
        throw new IllegalStateException("cannot watch " + d + ": " + e.getMessage(), e);
      }
    });
    listeners.computeIfAbsent(d, k -> new CopyOnWriteArrayList<>()).add(onChange);
    return () -> unwatch(d, onChange);
  }

  private synchronized void unwatch(Path d, Runnable onChange) {
    List<Runnable> l = listeners.get(d);
    if (l != null && l.remove(onChange) && l.isEmpty()) {
      listeners.remove(d);
      WatchKey k = keys.remove(d);
      if (k != null) {
        k.cancel();
      }
    }
  }

  private void run() {
    while (true) {
      try {
        WatchKey key = service.take();
        Thread.sleep(SETTLE_MILLIS); // let the rest of the burst arrive
        java.util.Set<Path> changed = new java.util.HashSet<>();
        for (WatchKey k = key; k != null; k = service.poll()) {
          k.pollEvents();
          changed.add((Path) k.watchable());
          k.reset();
        }
        for (Path d : changed) {
          for (Runnable r : listeners.getOrDefault(d, List.of())) {
            try {
              r.run();
            } catch (RuntimeException e) {
              log.warn("event=watched_directory_callback_failed dir=\"{}\" cause=\"{}\"", d, e.getMessage());
            }
          }
        }
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
    }
  }
}

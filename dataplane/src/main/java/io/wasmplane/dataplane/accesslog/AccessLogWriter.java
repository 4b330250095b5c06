package io.wasmplane.dataplane.accesslog;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends lines to one file from a dedicated thread so event loops never block on disk. Lines are flushed in batches;
 * {@link #flush()} waits until everything queued so far is written (used by shutdown and tests).
 */
public final class AccessLogWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AccessLogWriter.class);
  private static final int MAX_QUEUED = 100_000;

  private final Path path;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>(MAX_QUEUED);
  private final Thread thread;
  private final OutputStream out;
  private volatile boolean closed;

  public AccessLogWriter(Path path) throws IOException {
    this.path = path;
    this.out = path.toString().equals("/dev/stdout") ? System.out
        : path.toString().equals("/dev/stderr") ? System.err
        : Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    this.thread = new Thread(this::run, "access-log-" + path.getFileName());
    thread.setDaemon(true);
    thread.start();
  }

  public Path path() {
    return path;
  }

  public void append(String line) {
    if (!queue.offer(line)) {
      log.warn("event=access_log_dropped path={} reason=queue_full", path);
    }
  }

  /** Blocks until lines queued before this call are on disk (bounded wait). */
  public void flush() {
    Object marker = new Object();
    synchronized (marker) {
      if (!queue.offer(marker)) {
        return;
      }
      try {
        marker.wait(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    List<Object> batch = new ArrayList<>();
    while (!closed || !queue.isEmpty()) {
      try {
        Object first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, 1024);
        StringBuilder sb = new StringBuilder();
        List<Object> markers = new ArrayList<>();
        for (Object o : batch) {
          if (o instanceof String s) {
            sb.append(s);
          } else {
            markers.add(o);
          }
        }
        if (sb.length() > 0) {
          out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
        for (Object m : markers) {
          synchronized (m) {
            m.notifyAll();
          }
        }
        batch.clear();
      } catch (InterruptedException e) {
        return;
      } catch (IOException e) {
        log.warn("event=access_log_write_failed path={} error={}", path, e.toString());
        batch.clear();
      }
    }
  }

  @Override
  public void close() {
    flush();
    closed = true;
    thread.interrupt();
    if (out != System.out && out != System.err) {
      try {
        out.close();
      } catch (IOException e) {
        log.debug("event=access_log_close_failed path={}", path);
      }
    }
  }
}

package io.wasmplane.dataplane.wasm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content-addressed module bytes: an in-memory LRU and an on-disk LRU ({@code <dir>/modules/<sha256>.wasm}), both
 * bounded in bytes, plus Envoy's 10 s negative cache of failed fetches. Bytes read back from disk are verified
 * against their name, so a corrupted file is a miss, never a module we run. Thread-safe.
 */
final class CodeCache {
  private static final Logger log = LoggerFactory.getLogger(CodeCache.class);
  static final long NEGATIVE_TTL_NANOS = 10_000_000_000L;

  private final Path dir;
  private final long maxDiskBytes;
  private final long maxMemoryBytes;
  private final LinkedHashMap<String, byte[]> memory = new LinkedHashMap<>(16, 0.75f, true);
  private long memoryBytes;
  private final Map<String, Negative> negative = new ConcurrentHashMap<>();

  record Negative(long expiresAtNanos, String cause) {}

  CodeCache(WasmCacheOptions options) {
    this.maxDiskBytes = options.maxDiskBytes();
    this.maxMemoryBytes = options.maxMemoryBytes();
    Path d = options.dir() == null ? null : options.dir().resolve("modules");
    if (d != null) {
      try {
        Files.createDirectories(d);
      } catch (IOException e) {
        log.warn("event=wasm_cache_dir_unusable dir={} error={}; caching in memory only", d, e.toString());
        d = null;
      }
    }
    this.dir = d;
  }

  /** The module bytes for {@code sha256} from memory or disk, or null. */
  byte[] get(String sha256) {
    synchronized (this) {
      byte[] b = memory.get(sha256);
      if (b != null) {
        return b;
      }
    }
    if (dir == null) {
      return null;
    }
    Path f = dir.resolve(sha256 + ".wasm");
    try {
      byte[] b = Files.readAllBytes(f);
      if (!Sha256.hex(b).equals(sha256)) {
        log.warn("event=wasm_cache_corrupt file={}; deleting it", f);
        Files.deleteIfExists(f);
        return null;
      }
      Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis())); // LRU order on disk
      remember(sha256, b);
      return b;
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      log.warn("event=wasm_cache_read_failed file={} error={}", f, e.toString());
      return null;
    }
  }

  /** Stores verified bytes in memory and on disk (written to a temp file, then moved, so readers never see half). */
  void put(String sha256, byte[] bytes) {
    negative.remove(sha256);
    remember(sha256, bytes);
    if (dir == null) {
      return;
    }
    try {
      Path tmp = Files.createTempFile(dir, sha256, ".part");
      Files.write(tmp, bytes);
      Files.move(tmp, dir.resolve(sha256 + ".wasm"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      evictDisk(sha256);
    } catch (IOException e) {
      log.warn("event=wasm_cache_write_failed sha256={} dir={} error={}", sha256, dir, e.toString());
    }
  }

  private synchronized void remember(String sha256, byte[] bytes) {
    if (memory.put(sha256, bytes) == null) {
      memoryBytes += bytes.length;
    }
    Iterator<Map.Entry<String, byte[]>> it = memory.entrySet().iterator();
    while (memoryBytes > maxMemoryBytes && it.hasNext()) {
      Map.Entry<String, byte[]> e = it.next();
      if (!e.getKey().equals(sha256)) {
        memoryBytes -= e.getValue().length;
        it.remove();
      }
    }
  }

  private void evictDisk(String keep) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".wasm")).sorted(Comparator.comparing(CodeCache::mtime)).toList();
    }
    long total = 0;
    for (Path p : files) {
      total += Files.size(p);
    }
    for (Path p : files) {
      if (total <= maxDiskBytes) {
        break;
      }
      if (p.getFileName().toString().equals(keep + ".wasm")) {
        continue;
      }
      long size = Files.size(p);
      Files.deleteIfExists(p);
      total -= size;
      log.info("event=wasm_cache_evicted file={} bytes={}", p.getFileName(), size);
    }
  }

  private static long mtime(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  /** A failed fetch of {@code sha256} within the last 10 s, or null. */
  Negative negative(String sha256) {
    Negative n = negative.get(sha256);
    if (n != null && System.nanoTime() - n.expiresAtNanos() > 0) {
      negative.remove(sha256, n);
      return null;
    }
    return n;
  }

  void putNegative(String sha256, String cause) {
    negative.put(sha256, new Negative(System.nanoTime() + NEGATIVE_TTL_NANOS, cause));
  }

  synchronized int entries() {
    return memory.size();
  }
}

package io.wasmplane.dataplane.testing;

import io.wasmplane.dataplane.Dataplane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads a data plane's file access log; a stream or connection is logged just after it ends, so reads wait for it. */
public final class AccessLogFiles {
  private AccessLogFiles() {}

  /** Flushes the data plane's log writers until {@code file} has at least {@code n} lines (at most 5 s). */
  public static List<String> awaitLines(Dataplane dp, Path file, int n) throws Exception {
    long deadline = System.nanoTime() + 5_000_000_000L;
    List<String> lines = List.of();
    while (System.nanoTime() < deadline) {
      dp.server().flushAccessLogs();
      lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
      if (lines.size() >= n) {
        return lines;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(file + ": expected " + n + " lines, got " + lines);
  }
}

package io.wasmplane.integration.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What the OS says about a process (Linux /proc): its open sockets and its threads; -1 where it cannot tell. */
final class ProcStats {
  private ProcStats() {}

  static long sockets(long pid) {
    try (Stream<Path> s = Files.list(Path.of("/proc", "" + pid, "fd"))) {
      return s.filter(p -> {
        try {
          return Files.readSymbolicLink(p).toString().startsWith("socket:");
        } catch (IOException gone) {
          return false;
        }
      }).count();
    } catch (IOException e) {
      return -1;
    }
  }

  static long threads(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", "" + pid, "status"))) {
        if (line.startsWith("Threads:")) {
          return Long.parseLong(line.substring(8).trim());
        }
      }
    } catch (IOException e) {
      // not Linux, or the process is gone
    }
    return -1;
  }
}

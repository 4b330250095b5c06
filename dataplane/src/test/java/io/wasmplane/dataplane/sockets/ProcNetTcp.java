package io.wasmplane.dataplane.sockets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Linux's view of this host's TCP sockets (/proc/net/tcp and tcp6: Java's sockets are dual-stack): which timer a connection runs, so a test sees whether
 * the proxy turned keepalive on for a socket it owns, and how soon the first probe is due.
 */
final class ProcNetTcp {
  static final Path FILE = Path.of("/proc/net/tcp");
  private static final Path FILE6 = Path.of("/proc/net/tcp6");

  /** One established connection's timer: {@code timer} 2 is keepalive; {@code whenTicks} in USER_HZ (100/s) ticks. */
  record Timer(int timer, long whenTicks) {}

  private ProcNetTcp() {}

  /** The established socket with this local and remote port, if any. */
  static Optional<Timer> established(int localPort, int remotePort) throws IOException {
    for (String line : lines()) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 6 || !f[3].equals("01")) {
        continue; // the header, or not ESTABLISHED
      }
      int local = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
      int remote = Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16);
      if (local == localPort && remote == remotePort) {
        String[] tr = f[5].split(":");
        return Optional.of(new Timer(Integer.parseInt(tr[0], 16), Long.parseLong(tr[1], 16)));
      }
    }
    return Optional.empty();
  }

  static List<String> lines() throws IOException {
    List<String> all = new ArrayList<>(Files.readAllLines(FILE));
    if (Files.isReadable(FILE6)) {
      all.addAll(Files.readAllLines(FILE6));
    }
    return all;
  }
}

package io.wasmplane.dataplane.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports a test names before anything binds them (a listener in a bootstrap, an admin port on a command line, a port
 * nobody listens on). Picked below the kernel's ephemeral range (32768+ on Linux): a port from bind(0) lies in that
 * range, and until its user binds it, any outgoing connection of the test run may take it as its local port ("address
 * already in use"). A test that can bind first binds port 0 and reads the port back instead.
 */
public final class Ports {
  private static final int LOW = 20000;
  private static final int HIGH = 32000;
  private static final AtomicInteger NEXT = new AtomicInteger(LOW + ThreadLocalRandom.current().nextInt(HIGH - LOW));

  private Ports() {}

  /** A loopback port in 20000-31999 that was free a moment ago; each call in this JVM gets another one. */
  public static int freePort() throws IOException {
    for (int i = 0; i < 200; i++) {
      int candidate = NEXT.getAndUpdate(p -> p + 1 >= HIGH ? LOW : p + 1);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), candidate), 1);
        return candidate;
      } catch (IOException taken) {
        // next one
      }
    }
    throw new IOException("no free port in " + LOW + "-" + (HIGH - 1));
  }
}

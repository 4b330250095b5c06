package io.wasmplane.integration.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.integration.DataplaneProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The soak ({@code make soak}; not part of {@code make test}: the class name does not end in Test). Steady HTTP/1.1
 * and h2 load through two listeners with three plugins, while the control plane rolls plugins every few seconds and
 * one fault fires each minute, in turn: control plane SIGKILLed and restarted, control plane blackholed for most of a
 * minute, upstream faults (reset, close, stall, garbage, stall mid-body) on their own paths, a module server that
 * fails a rollout (404, truncated, wrong bytes, slow in turn). Every minute it records requests served and failed,
 * p99 latency, the data plane's heap floor, threads and sockets; at the end it writes the table to docs/soak.md.
 *
 * <p>System properties: {@code soak.minutes} (default 10), {@code soak.rps} per load worker (default 40),
 * {@code soak.roll.seconds} (default 5), {@code soak.report} (default docs/soak.md under the repository root).
 */
class SoakRun {
  private static final String[] FAULTS = {"control plane SIGKILL + restart", "control plane blackholed",
      "upstream faults", "module server fails a rollout"};
  private static final FaultyModuleServer.Mode[] BAD_MODULES = {FaultyModuleServer.Mode.NOT_FOUND,
      FaultyModuleServer.Mode.TRUNCATED, FaultyModuleServer.Mode.WRONG_BYTES, FaultyModuleServer.Mode.SLOW};

  private record Row(int minute, String fault, String outcome, long served, long failed, double p99Ms, long heapFloorMb,
      long heapMaxMb, long threads, long sockets, long codeCacheEntries, long liveVms, long injected, long injectedUnexpected) {}

  private final int minutes = Integer.getInteger("soak.minutes", 10);
  private final int rps = Integer.getInteger("soak.rps", 40);
  private final int rollSeconds = Integer.getInteger("soak.roll.seconds", 5);
  private FaultRig rig;
  private int rollCount;
  private long rolls;
  private final AtomicLong heapMin = new AtomicLong(Long.MAX_VALUE);
  private final AtomicLong heapMax = new AtomicLong();
  private final AtomicLong sawDisconnected = new AtomicLong();

  @Test
  void soak() throws Exception {
    String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
    Instant started = Instant.now();
    List<Row> rows = new ArrayList<>();
    long injectedTotal = 0;
    long injectedUnexpectedTotal = 0;
    try (FaultRig r = FaultRig.start(new FaultRig.Options("DELTA_GRPC", true, 2, List.of("-Xmx512m")))) {
      rig = r;
      rig.await("plugin v1 on l_a", 90, () -> ControlPlaneFaultsTest.stamp(rig).equals("v1"));
      ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
      sampler.scheduleAtFixedRate(this::sample, 0, 2, TimeUnit.SECONDS);
      Load load = new Load(List.of(
          target("l_a h1", rig.listenerA, HttpClient.Version.HTTP_1_1, 3),
          target("l_a h2", rig.listenerA, HttpClient.Version.HTTP_2, 1),
          target("l_b h1", rig.listenerB, HttpClient.Version.HTTP_1_1, 3),
          target("l_b h2", rig.listenerB, HttpClient.Version.HTTP_2, 1)), rps);
      long servedBefore = 0;
      long failedBefore = 0;
      try {
        for (int m = 0; m < minutes; m++) {
          long minuteEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          heapMin.set(Long.MAX_VALUE);
          heapMax.set(0);
          sawDisconnected.set(0);
          String fault = FAULTS[m % FAULTS.length];
          AtomicLong[] injected = {new AtomicLong(), new AtomicLong()};
          String outcome = switch (m % FAULTS.length) {
            case 0 -> controlPlaneKilled(minuteEnd);
            case 1 -> controlPlaneBlackholed(minuteEnd);
            case 2 -> upstreamFaults(minuteEnd, injected);
            default -> badRollout(minuteEnd, BAD_MODULES[(m / FAULTS.length) % BAD_MODULES.length]);
          };
          rollUntil(minuteEnd);
          long served = load.good.get();
          long failed = load.bad.get() + load.errors.get() + load.refused.get();
          Map<String, Long> stats = rig.stats();
          rows.add(new Row(m + 1, fault, outcome, served - servedBefore, failed - failedBefore, load.takeP99Millis(),
              heapMin.get() / (1 << 20), heapMax.get() / (1 << 20), rig.osThreads(), rig.osSockets(),
              stats.getOrDefault("wasm.remote_load_cache_entries", -1L), stats.getOrDefault("wasm.envoy.wasm.runtime.v8.active", -1L),
              injected[0].get(), injected[1].get()));
          injectedTotal += injected[0].get();
          injectedUnexpectedTotal += injected[1].get();
          servedBefore = served;
          failedBefore = failed;
          System.out.println("soak: " + rows.get(rows.size() - 1));
        }
      } finally {
        load.close();
        sampler.shutdownNow();
      }
      String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
      write(rows, load, started, loadBefore, loadAfter, injectedTotal, injectedUnexpectedTotal);
      assertThat(load.bad.get() + load.errors.get() + load.refused.get()).as("failed requests outside injected faults: "
          + load.firstFailures()).isZero();
      assertThat(injectedUnexpectedTotal).as("injected upstream faults answered otherwise than Envoy would").isZero();
    }
  }

  private static Load.Target target(String name, int port, HttpClient.Version v, int workers) {
    return new Load.Target(name, URI.create("http://127.0.0.1:" + port + "/soak"), v, workers, ControlPlaneFaultsTest.ok());
  }

  /** Heap (admin server.memory_allocated) and the control-plane connection, every 2 s. */
  private void sample() {
    try {
      Map<String, Long> s = rig.stats();
      long heap = s.getOrDefault("server.memory_allocated", 0L);
      heapMin.accumulateAndGet(heap, Math::min);
      heapMax.accumulateAndGet(heap, Math::max);
      if (s.getOrDefault("control_plane.connected_state", 1L) == 0) {
        sawDisconnected.set(1);
      }
    } catch (Exception e) {
      // a missed sample
    }
  }

  /** Rolls the next plugin release every rollSeconds until {@code deadline} (nanoTime). */
  private void rollUntil(long deadline) throws Exception {
    while (System.nanoTime() < deadline) {
      roll();
      Thread.sleep(Math.max(0, Math.min(TimeUnit.SECONDS.toMillis(rollSeconds),
          TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
    }
  }

  /** Config-only rolls of stamp (as_headers), and every third roll new code for tag or bench (c_bench): a fetch. */
  private void roll() throws Exception {
    roll(false);
  }

  private void roll(boolean stampOnly) throws Exception {
    rollCount++;
    String label = "r" + rollCount;
    if (!stampOnly && rollCount % 3 == 0) {
      String plugin = rollCount % 2 == 0 ? "tag" : "bench";
      rig.rollout.release(plugin, new RolloutFile.Release(label, rig.addModule("c/c_bench.wasm", plugin, label), plugin));
    } else {
      rig.rollout.release("stamp", new RolloutFile.Release(label, rig.rollout.release("stamp").moduleFile(), "stamp=" + label));
    }
    rig.rollout.write();
    rolls++;
  }

  private String controlPlaneKilled(long minuteEnd) throws Exception {
    rollUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    rig.stub.kill();
    roll(true); // changed while the data plane cannot hear
    String expected = rig.rollout.release("stamp").label();
    Thread.sleep(10_000);
    rig.stub.restart();
    long t0 = System.nanoTime();
    boolean converged = awaitStamp(expected, 60);
    return "disconnected seen: " + (sawDisconnected.get() == 1) + "; converged to " + expected + " "
        + (converged ? "in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms after restart" : "NOT within 60 s");
  }

  private String controlPlaneBlackholed(long minuteEnd) throws Exception {
    rollUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
    rig.xdsProxy.blackhole();
    roll(true);
    String expected = rig.rollout.release("stamp").label();
    long holeStart = System.nanoTime();
    Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(minuteEnd - System.nanoTime()) - 12_000));
    rig.xdsProxy.restore();
    long holeSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - holeStart);
    long t0 = System.nanoTime();
    boolean converged = awaitStamp(expected, 60);
    return "blackholed " + holeSeconds + " s, disconnected seen: " + (sawDisconnected.get() == 1) + "; converged to " + expected + " "
        + (converged ? "in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms after restore" : "NOT within 60 s");
  }

  /** 30 s of faulty upstream requests on their own paths (raw HTTP/1.1), checked against Envoy's answers. */
  private String upstreamFaults(long minuteEnd, AtomicLong[] injected) throws Exception {
    Map<String, String> expected = Map.of("/reset", "HTTP/1.1 503", "/close", "HTTP/1.1 503", "/stall", "HTTP/1.1 504",
        "/garbage", "HTTP/1.1 502", "/stall-body", "HTTP/1.1 200");
    Map<String, AtomicLong> seen = new ConcurrentHashMap<>();
    long upstreamOpenBefore = rig.upstream.openConnections();
    var pool = Executors.newFixedThreadPool(5);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (String path : expected.keySet()) {
      pool.execute(() -> {
        while (System.nanoTime() < end) {
          String status;
          try {
            String reply = rawGet(rig.listenerA, path);
            status = reply.startsWith("RESET") ? "RESET" : reply.split("\r\n")[0].substring(0, Math.min(12, reply.indexOf("\r\n")));
          } catch (Exception e) {
            status = e.getClass().getSimpleName();
          }
          injected[0].incrementAndGet();
          if (!status.equals(expected.get(path))) {
            seen.computeIfAbsent(path + " -> " + status, k -> new AtomicLong()).incrementAndGet();
            injected[1].incrementAndGet();
          }
          try {
            Thread.sleep(200);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
    }
    rollUntil(end);
    pool.shutdown();
    pool.awaitTermination(20, TimeUnit.SECONDS);
    Thread.sleep(3000);
    return "upstream connections held open before/after: " + upstreamOpenBefore + "/" + rig.upstream.openConnections()
        + (seen.isEmpty() ? "" : "; unexpected: " + seen);
  }

  private String badRollout(long minuteEnd, FaultyModuleServer.Mode mode) throws Exception {
    rollUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
    String label = "bad-" + mode.name().toLowerCase() + "-" + rollCount;
    String file = rig.addModule("assemblyscript/as_headers.wasm", "stamp", label);
    rig.modules.mode(rig.sha256Of(file), mode);
    rig.modules.slowMillis(4000);
    String serving = ControlPlaneFaultsTest.stamp(rig);
    String goodModule = rig.rollout.release("stamp").moduleFile();
    rig.rollout.release("stamp", new RolloutFile.Release(label, file, "stamp=" + label)).write();
    long t0 = System.nanoTime();
    boolean nacked = false;
    while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(40)) {
      if (label.equals(StubStatus.of(rig.stub).plugin("dp-1", "stamp", "rejected"))) {
        nacked = true;
        break;
      }
      Thread.sleep(200);
    }
    String still = ControlPlaneFaultsTest.stamp(rig);
    // Roll back to the good code, as an operator would; later rolls build on it.
    rig.rollout.release("stamp", new RolloutFile.Release(label + "-rollback", goodModule, "stamp=" + label + "-rollback")).write();
    return mode + ": " + (nacked ? "NACKed in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms" : "NOT NACKed in 40 s")
        + ", serving " + still + (still.equals(serving) ? " (the old plugin)" : " (CHANGED from " + serving + ")");
  }

  private boolean awaitStamp(String label, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      try {
        if (ControlPlaneFaultsTest.stamp(rig).equals(label)) {
          return true;
        }
      } catch (Exception e) {
        // try again
      }
      Thread.sleep(200);
    }
    return false;
  }

  private static String rawGet(int port, String path) throws Exception {
    try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nhost: soak\r\nconnection: close\r\n\r\n").getBytes());
      try {
        return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
      } catch (java.net.SocketException reset) {
        return "RESET";
      }
    }
  }

  private void write(List<Row> rows, Load load, Instant started, String loadBefore, String loadAfter, long injected,
      long injectedUnexpected) throws Exception {
    StringBuilder md = new StringBuilder();
    md.append("# Soak run\n\n")
        .append("`make soak` (`SOAK_MINUTES=").append(minutes).append("`), written by `integration/.../faults/SoakRun`. ")
        .append("Started ").append(started).append(", ").append(rows.size()).append(" minutes.\n\n")
        .append("Set-up, all on loopback: the packaged data plane (`--concurrency 2`, `-Xmx512m`, delta ADS through a TCP relay ")
        .append("that can blackhole) driven by the control-plane-stub process; two listeners (`l_a`, `l_b`) over one RDS ")
        .append("route to an EDS cluster; three plugins: `stamp` (as_headers, both listeners), `tag` (c_bench, l_a), ")
        .append("`bench` (c_bench, l_b). Load: JDK HttpClient, 3 HTTP/1.1 + 1 h2 worker per listener, each paced to ")
        .append(rps).append(" req/s, closed loop. The control plane rolls a plugin every ").append(rollSeconds)
        .append(" s (config-only stamp releases; every third roll new code for tag or bench, fetched from the module ")
        .append("server): ").append(rolls).append(" rolls. One fault per minute, in turn. SIGTERM under load is covered ")
        .append("by `SigtermUnderLoadTest` in `make test` (it ends the process).\n\n")
        .append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, load average (1/5/15 min) ")
        .append("at start `").append(loadBefore).append("`, at end `").append(loadAfter)
        .append("` (shared with other developers' builds).\n\n")
        .append("| min | fault | outcome | served | failed | p99 ms | heap floor/max MB | threads | sockets | code cache / live VMs |\n")
        .append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      md.append("| ").append(r.minute()).append(" | ").append(r.fault()).append(" | ").append(r.outcome().replace("|", "/"))
          .append(" | ").append(r.served()).append(" | ").append(r.failed()).append(" | ")
          .append(String.format("%.1f", r.p99Ms())).append(" | ").append(r.heapFloorMb()).append(" / ").append(r.heapMaxMb())
          .append(" | ").append(r.threads()).append(" | ").append(r.sockets()).append(" | ").append(r.codeCacheEntries())
          .append(" / ").append(r.liveVms()).append(" |\n");
    }
    md.append("\nTotals: ").append(load.good.get()).append(" served, ")
        .append(load.bad.get() + load.errors.get() + load.refused.get()).append(" failed (target 0) of ")
        .append(load.sent.get()).append(" sent; injected upstream-fault requests: ").append(injected)
        .append(", answered otherwise than Envoy would: ").append(injectedUnexpected).append(".\n");
    if (!load.firstFailures().isEmpty()) {
      md.append("\nFirst failures:\n\n");
      load.firstFailures().forEach(f -> md.append("- `").append(f.replace("`", "'")).append("`\n"));
    }
    md.append("\nColumns: served/failed = load requests answered as expected / not (non-200, reset, refused) in that ")
        .append("minute; p99 over the minute's answered load requests; heap floor/max = min/max of the admin ")
        .append("`server.memory_allocated` sampled every 2 s (a rising floor would be a leak); threads and sockets = the ")
        .append("data plane process's OS threads and open sockets at the minute's end (`/proc`); code cache / live VMs = ")
        .append("`wasm.remote_load_cache_entries` (module versions held in memory) and `wasm.envoy.wasm.runtime.v8.active` ")
        .append("at the minute's end.\n");
    Path out = Path.of(System.getProperty("soak.report", DataplaneProcess.repoRoot().resolve("docs/soak.md").toString()));
    Files.createDirectories(out.getParent());
    Files.writeString(out, md.toString());
    System.out.println(md);
  }
}

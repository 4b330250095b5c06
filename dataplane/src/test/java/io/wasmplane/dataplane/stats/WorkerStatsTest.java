package io.wasmplane.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.wasmplane.dataplane.server.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Counters, gauges and histograms updated from the data plane's real worker loops (Transport#newWorkerGroup, each
 * thread owning a stats slot, one more worker than there are slots so one shares slot 0) and from ordinary threads at
 * once: every update is counted.
 */
@Timeout(60)
class WorkerStatsTest {
  private static final int EACH = 1_000_000; // long enough that threads overlap on 2 cores
  private static final int OTHERS = 2; // ordinary threads sharing slot 0
  private final List<EventLoopGroup> groups = new ArrayList<>();

  @AfterEach
  void stopWorkers() {
    groups.forEach(g -> g.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
  }

  @Test
  void countersFromWorkersAndOtherThreadsSumExactly() throws Exception {
    Counter c = new Counter();
    EventLoopGroup workers = workers(StatSlots.COUNT + 1);
    List<Integer> slots = new ArrayList<>();
    long[] lastSeen = {0};
    boolean[] wentBack = {false};
    Thread reader = new Thread(() -> { // a value read while workers count never goes back
      for (int i = 0; i < 1_000_000 && !Thread.currentThread().isInterrupted(); i++) {
        long v = c.value();
        wentBack[0] |= v < lastSeen[0];
        lastSeen[0] = v;
      }
    });
    reader.start();
    int threads = everywhere(workers, slots, i -> {
      c.inc();
      c.add(2);
    });
    reader.interrupt();
    reader.join(10_000);

    assertThat(slots).as("worker slots").filteredOn(s -> s != 0).hasSize(StatSlots.COUNT).doesNotHaveDuplicates();
    assertThat(slots).as("the worker beyond the slots shares slot 0").containsOnlyOnce(0);
    assertThat(c.value()).isEqualTo(3L * EACH * threads);
    assertThat(wentBack[0]).isFalse();
    assertThat(c.used()).isTrue();
  }

  @Test
  void statsSharingCellBlocksKeepTheirOwnCounts() throws Exception {
    int n = 3 * StatSlots.STRIDE + 1; // columns of four blocks
    Counter[] counters = new Counter[n];
    Gauge[] gauges = new Gauge[n];
    for (int k = 0; k < n; k++) {
      counters[k] = new Counter();
      gauges[k] = new Gauge();
    }
    EventLoopGroup workers = workers(StatSlots.COUNT + 1);
    int threads = everywhere(workers, new ArrayList<>(), i -> {
      int k = i % n;
      counters[k].add(k + 1);
      gauges[k].inc();
      gauges[(k + 1) % n].dec();
    });
    long rounds = EACH / n; // every k is hit this many times per thread, plus once more for k < EACH % n
    for (int k = 0; k < n; k++) {
      long hits = threads * (rounds + (k < EACH % n ? 1 : 0));
      assertThat(counters[k].value()).as("counter %d", k).isEqualTo(hits * (k + 1));
      long decs = threads * (rounds + ((k + n - 1) % n < EACH % n ? 1 : 0));
      assertThat(gauges[k].value()).as("gauge %d", k).isEqualTo(hits - decs);
    }
  }

  @Test
  void resetCountsFromZeroAndKeepsUsed() throws Exception {
    Counter c = new Counter();
    assertThat(c.used()).isFalse();
    c.reset();
    assertThat(c.used()).as("a reset of a counter never counted").isFalse();

    EventLoopGroup workers = workers(2);
    on(workers.next(), () -> {
      c.add(5);
      return null;
    });
    assertThat(c.value()).isEqualTo(5);
    c.reset();
    assertThat(c.value()).isZero();
    assertThat(c.used()).as("counted before the reset").isTrue();
    on(workers.next(), () -> {
      c.inc();
      return null;
    });
    c.inc();
    assertThat(c.value()).isEqualTo(2);

    // a reset racing with increments: what follows it counts, nothing before it does
    everywhereWith(workers, i -> c.inc(), c::reset);
    assertThat(c.value()).isBetween(0L, (2L + OTHERS) * EACH);
    c.reset();
    assertThat(c.value()).isZero();
  }

  @Test
  void gaugeMixesSetIncAndDecFromAnyThread() throws Exception {
    Gauge g = new Gauge();
    assertThat(g.used()).isFalse();
    EventLoopGroup workers = workers(2);
    EventExecutor a = workers.next();
    EventExecutor b = workers.next();
    g.set(100);
    assertThat(g.used()).isTrue();
    on(a, () -> {
      for (int i = 0; i < 1000; i++) {
        g.inc();
      }
      return null;
    });
    on(b, () -> {
      for (int i = 0; i < 400; i++) {
        g.dec();
      }
      return null;
    });
    g.inc();
    assertThat(g.value()).isEqualTo(100 + 1000 - 400 + 1);

    g.set(7); // the worker deltas so far are folded into the base
    assertThat(g.value()).isEqualTo(7);
    on(a, () -> {
      g.inc(); // an active connection opened on one worker...
      g.inc();
      return null;
    });
    on(b, () -> {
      g.dec(); // ...and closed on another
      return null;
    });
    assertThat(g.value()).isEqualTo(8);
    g.set(0);
    assertThat(g.value()).isZero();
    assertThat(g.used()).as("back at 0, still written").isTrue();

    // inc and dec in pairs everywhere at once: the gauge ends where it started
    g.set(3);
    int threads = everywhere(workers, new ArrayList<>(), i -> {
      g.inc();
      g.dec();
      g.inc();
    });
    assertThat(g.value()).isEqualTo(3L + (long) EACH * threads);
  }

  @Test
  void aSlotPassesToTheNextWorkerWithItsCounts() throws Exception {
    Counter c = new Counter();
    Gauge g = new Gauge();
    EventLoopGroup first = workers(1);
    int slot = on(first.next(), () -> {
      c.add(10);
      g.inc();
      return WorkerThread.currentSlot();
    });
    assertThat(slot).isNotZero();
    first.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    groups.remove(first);

    EventLoopGroup second = workers(StatSlots.COUNT);
    List<Integer> slots = new ArrayList<>();
    everywhere(second, slots, i -> c.inc());
    assertThat(slots).as("the ended worker's slot is reused").contains(slot).doesNotContain(0);
    assertThat(c.value()).isEqualTo(10L + (long) EACH * (StatSlots.COUNT + OTHERS));
    on(second.next(), () -> {
      g.dec();
      return null;
    });
    assertThat(g.value()).isZero();
  }

  @Test
  void histogramsFromWorkersAndOtherThreadsLoseNothing() throws Exception {
    Histogram h = new Histogram();
    EventLoopGroup workers = workers(StatSlots.COUNT + 1);
    int threads = everywhere(workers, new ArrayList<>(), i -> h.record(i % 2000));
    HistogramSnapshot s = h.snapshot();
    long rounds = EACH / 2000; // each thread records 0..1999 this many times
    assertThat(s.count()).isEqualTo((long) EACH * threads);
    assertThat(s.sum()).isEqualTo(threads * rounds * (1999L * 2000 / 2));
    assertThat(s.countAtOrBelow(1000)).isEqualTo(threads * rounds * 1001);
  }

  private EventLoopGroup workers(int n) {
    EventLoopGroup g = Transport.best().newWorkerGroup(n, "stats-test-worker");
    groups.add(g);
    return g;
  }

  /** Runs {@code update} EACH times on every worker of the group and on OTHERS ordinary threads, all at once. */
  private static int everywhere(EventLoopGroup workers, List<Integer> slots, IntConsumer update) throws Exception {
    return everywhereWith(workers, update, () -> {}, slots);
  }

  private static int everywhereWith(EventLoopGroup workers, IntConsumer update, Runnable meanwhile) throws Exception {
    return everywhereWith(workers, update, meanwhile, new ArrayList<>());
  }

  private static int everywhereWith(EventLoopGroup workers, IntConsumer update, Runnable meanwhile, List<Integer> slots)
      throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    Callable<Integer> job = () -> {
      if (!go.await(10, TimeUnit.SECONDS)) {
        throw new TimeoutException("start");
      }
      for (int i = 0; i < EACH; i++) {
        update.accept(i);
      }
      return WorkerThread.currentSlot();
    };
    List<io.netty.util.concurrent.Future<Integer>> onWorkers = new ArrayList<>();
    for (EventExecutor e : workers) {
      onWorkers.add(e.submit(job));
    }
    List<FutureTask<Integer>> others = new ArrayList<>();
    for (int i = 0; i < OTHERS; i++) {
      FutureTask<Integer> other = new FutureTask<>(job);
      new Thread(other, "stats-test-other").start();
      others.add(other);
    }
    go.countDown();
    meanwhile.run();
    for (var f : onWorkers) {
      slots.add(f.get(20, TimeUnit.SECONDS));
    }
    for (var f : others) {
      assertThat(f.get(20, TimeUnit.SECONDS)).as("an ordinary thread's slot").isZero();
    }
    return onWorkers.size() + OTHERS;
  }

  private static <T> T on(EventExecutor worker, Callable<T> task) throws ExecutionException, InterruptedException,
      TimeoutException {
    return worker.submit(task).get(10, TimeUnit.SECONDS);
  }
}

package io.wasmplane.dataplane.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The per-loop timeout queues on a real Netty event loop: firing order, cancellation, no firing before the deadline. */
class LoopTimersTest {
  private static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

  @AfterAll
  static void close() {
    GROUP.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  @Test
  void firesUncancelledTimeoutsInOrderAndNotBeforeTheirDeadline() throws Exception {
    EventLoop loop = GROUP.next();
    List<String> fired = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(3);
    long[] started = new long[1];
    loop.submit(() -> {
      LoopTimers timers = LoopTimers.of(loop);
      started[0] = System.nanoTime();
      timers.start(80, () -> { fired.add("a@" + elapsedMs(started[0])); done.countDown(); });
      LoopTimers.Timeout b = timers.start(80, () -> fired.add("b"));
      timers.start(80, () -> { fired.add("c@" + elapsedMs(started[0])); done.countDown(); });
      timers.start(30, () -> { fired.add("short@" + elapsedMs(started[0])); done.countDown(); });
      b.cancel();
    }).sync();
    assertTrue(done.await(5, TimeUnit.SECONDS), "timeouts fired: " + fired);
    assertEquals(3, fired.size(), fired.toString());
    assertTrue(fired.get(0).startsWith("short@"), fired.toString());
    assertTrue(fired.get(1).startsWith("a@") && fired.get(2).startsWith("c@"), fired.toString());
    for (String f : fired) {
      long at = Long.parseLong(f.substring(f.indexOf('@') + 1));
      assertTrue(at >= (f.startsWith("short") ? 30 : 80), "fired early: " + f);
    }
  }

  @Test
  void manyCancelledTimeoutsBehindALiveOneAreDroppedAndTheLiveOneStillFires() throws Exception {
    EventLoop loop = GROUP.next();
    CountDownLatch live = new CountDownLatch(1);
    List<String> wrong = new CopyOnWriteArrayList<>();
    loop.submit(() -> {
      LoopTimers timers = LoopTimers.of(loop);
      timers.start(150, live::countDown);
      for (int i = 0; i < 10_000; i++) {
        timers.start(150, () -> wrong.add("cancelled timeout fired")).cancel();
      }
    }).sync();
    assertTrue(live.await(5, TimeUnit.SECONDS));
    Thread.sleep(50);
    assertEquals(List.of(), wrong);
  }

  private static long elapsedMs(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }
}

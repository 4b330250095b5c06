package io.wasmplane.dataplane.http;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Per-request timeouts that almost never fire (route timeout, stream idle timeout) without one scheduled task per
 * request: timeouts of the same duration on one event loop expire in the order they were started, so each duration
 * keeps a FIFO and a single Netty task armed for its head. Starting and cancelling are O(1) and allocate one small
 * object. Must be used from the event loop's own thread.
 */
public final class LoopTimers {
  private static final FastThreadLocal<LoopTimers> PER_LOOP = new FastThreadLocal<>();

  private final EventLoop loop;
  private final List<Queue> queues = new ArrayList<>();

  private LoopTimers(EventLoop loop) {
    this.loop = loop;
  }

  /** The timers of the calling event loop thread ({@code loop} must be that thread's loop). */
  public static LoopTimers of(EventLoop loop) {
    LoopTimers t = PER_LOOP.get();
    if (t == null || t.loop != loop) {
      t = new LoopTimers(loop);
      PER_LOOP.set(t);
    }
    return t;
  }

  /** Runs {@code task} on this loop after {@code delayMs} unless cancelled first. */
  public Timeout start(long delayMs, Runnable task) {
    return start(System.nanoTime(), delayMs, task);
  }

  /** As {@link #start(long, Runnable)}, counting from {@code nowNanos}, a {@link System#nanoTime} the caller just read. */
  public Timeout start(long nowNanos, long delayMs, Runnable task) {
    Queue q = queue(delayMs);
    Timeout t = new Timeout(q, nowNanos + TimeUnit.MILLISECONDS.toNanos(delayMs), task);
    q.add(t);
    return t;
  }

  /** A linear scan: a loop sees a handful of distinct durations, and this avoids boxing a key per request. */
  private Queue queue(long delayMs) {
    for (int i = 0; i < queues.size(); i++) {
      Queue q = queues.get(i);
      if (q.delayMs == delayMs) {
        return q;
      }
    }
    Queue q = new Queue(delayMs);
    queues.add(q);
    return q;
  }

  /** A started timeout; {@link #cancel()} is O(1) (the entry is dropped when it reaches the head). */
  public static final class Timeout {
    private final Queue queue;
    final long deadlineNanos;
    Runnable task;

    Timeout(Queue queue, long deadlineNanos, Runnable task) {
      this.queue = queue;
      this.deadlineNanos = deadlineNanos;
      this.task = task;
    }

    public void cancel() {
      if (task != null) {
        task = null;
        queue.live--;
      }
    }
  }

  private final class Queue implements Runnable {
    private final long delayMs;
    private final ArrayDeque<Timeout> entries = new ArrayDeque<>();
    private ScheduledFuture<?> armed;
    int live;

    Queue(long delayMs) {
      this.delayMs = delayMs;
    }

    void add(Timeout t) {
      // Cancelled entries normally leave from the head; a long-lived head must not let them pile up behind it.
      Timeout head;
      while ((head = entries.peekFirst()) != null && head.task == null) {
        entries.pollFirst();
      }
      if (entries.size() > 1024 && entries.size() > 4 * live) {
        entries.removeIf(e -> e.task == null);
      }
      live++;
      entries.addLast(t);
      if (armed == null) {
        armed = loop.schedule(this, delayMs, TimeUnit.MILLISECONDS);
      }
    }

    @Override
    public void run() {
      armed = null;
      long now = System.nanoTime();
      Timeout head;
      while ((head = entries.peekFirst()) != null) {
        if (head.task == null) {
          entries.pollFirst();
          continue;
        }
        if (head.deadlineNanos - now > 0) {
          break;
        }
        entries.pollFirst();
        Runnable r = head.task;
        head.task = null;
        live--;
        r.run();
      }
      // Skip cancelled entries so an idle loop does not wake up for them.
      while ((head = entries.peekFirst()) != null && head.task == null) {
        entries.pollFirst();
      }
      if (head != null) {
        armed = loop.schedule(this, Math.max(0, head.deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    }
  }
}

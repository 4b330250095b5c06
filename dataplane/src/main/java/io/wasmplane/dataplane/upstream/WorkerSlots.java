package io.wasmplane.dataplane.upstream;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One value per thread, for balancer state a worker mutates on every pick (Envoy keeps a load balancer per worker):
 * each thread gets a small index, so a read is two array loads and never takes a lock; the lock only guards creating
 * a thread's value, once per thread and owner. Indices of ended Netty threads are reused.
 */
final class WorkerSlots<T> {
  private static final AtomicInteger NEXT = new AtomicInteger();
  private static final ConcurrentLinkedQueue<Integer> FREE = new ConcurrentLinkedQueue<>();
  private static final FastThreadLocal<Integer> INDEX = new FastThreadLocal<>() {
    @Override
    protected Integer initialValue() {
      Integer free = FREE.poll();
      return free != null ? free : NEXT.getAndIncrement();
    }

    @Override
    protected void onRemoval(Integer index) {
      FREE.add(index); // a Netty thread ended (FastThreadLocal.removeAll)
    }
  };

  private final Supplier<T> factory;
  private volatile Object[] slots = new Object[0];

  WorkerSlots(Supplier<T> factory) {
    this.factory = factory;
  }

  /** The calling thread's value, created on its first call. */
  @SuppressWarnings("unchecked")
  T get() {
    int i = INDEX.get();
    Object[] s = slots;
    Object v = i < s.length ? s[i] : null;
    return v != null ? (T) v : create(i);
  }

  @SuppressWarnings("unchecked")
  private synchronized T create(int i) {
    Object[] s = slots;
    if (i < s.length && s[i] != null) {
      return (T) s[i];
    }
    Object[] grown = Arrays.copyOf(s, Math.max(s.length, i + 1));
    T v = factory.get();
    grown[i] = v;
    slots = grown; // the volatile write publishes v
    return v;
  }
}

package io.wasmplane.wasm;

import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Process-wide shared queues ({@code proxy_register/resolve/enqueue/dequeue_shared_queue}), keyed by (vm_id, name)
 * and addressed by an int id. Registering a name that exists returns its id and makes the new registrant the owner
 * (cpp-host re-points the queue to the latest registering context). Each enqueue notifies the owner: its
 * {@code onReady} runs on its own executor with the queue id, where the runtime calls {@code proxy_on_queue_ready}.
 * Any VM may enqueue or dequeue by id. Bounded: a full queue or an oversized item refuses the enqueue.
 */
public final class SharedQueues {
  public static final int DEFAULT_MAX_QUEUE_LENGTH = 10_000;
  public static final int DEFAULT_MAX_ITEM_BYTES = 1024 * 1024;
  /** Items waiting in one queue, in bytes (without it: 10 000 items of 1 MiB, 10 GiB per queue). */
  public static final long DEFAULT_MAX_QUEUE_BYTES = 64L * 1024 * 1024;
  /** Queues one vm_id may create (names are the plugin's to choose). */
  public static final int DEFAULT_MAX_QUEUES_PER_VM = 1024;

  /** A dequeue's outcome: OK with a value, EMPTY, or NOT_FOUND (unknown id); value is null unless OK. */
  public record Dequeued(Status status, byte[] value) {}

  private static final Dequeued EMPTY = new Dequeued(Status.EMPTY, null);
  private static final Dequeued NOT_FOUND = new Dequeued(Status.NOT_FOUND, null);

  private final int maxQueueLength;
  private final int maxItemBytes;
  private final AtomicInteger lastId = new AtomicInteger();
  private final Map<Key, Queue> byName = new ConcurrentHashMap<>();
  private final Map<Integer, Queue> byId = new ConcurrentHashMap<>();
  private final Map<String, Integer> queuesPerVm = new ConcurrentHashMap<>();

  public SharedQueues() {
    this(DEFAULT_MAX_QUEUE_LENGTH, DEFAULT_MAX_ITEM_BYTES);
  }

  public SharedQueues(int maxQueueLength, int maxItemBytes) {
    if (maxQueueLength < 1 || maxItemBytes < 0) {
      throw new IllegalArgumentException("shared queue limits must be positive: length " + maxQueueLength
          + ", item bytes " + maxItemBytes);
    }
    this.maxQueueLength = maxQueueLength;
    this.maxItemBytes = maxItemBytes;
  }

  /**
   * Opens (creating if needed) the queue (vmId, name) and makes the caller its owner. Returns the id, or 0 when the
   * queue would be new and vmId already has {@link #DEFAULT_MAX_QUEUES_PER_VM} queues.
   *
   * @param executor the owner VM's thread; notifications are run there
   * @param onReady called there with the queue id after each enqueue
   */
  public int register(String vmId, String name, Executor executor, IntConsumer onReady) {
    Owner owner = new Owner(executor, onReady);
    Key key = new Key(vmId, name);
    Queue q = byName.get(key);
    if (q == null) {
      synchronized (this) { // creation is rare: one lock keeps the per-vm_id count exact
        q = byName.get(key);
        if (q == null) {
          if (queuesPerVm.getOrDefault(vmId, 0) >= DEFAULT_MAX_QUEUES_PER_VM) {
            return 0;
          }
          q = new Queue(lastId.incrementAndGet(), maxQueueLength);
          byId.put(q.id, q);
          byName.put(key, q);
          queuesPerVm.merge(vmId, 1, Integer::sum);
        }
      }
    }
    q.setOwner(owner);
    return q.id;
  }

  public OptionalInt resolve(String vmId, String name) {
    Queue q = byName.get(new Key(vmId, name));
    return q == null ? OptionalInt.empty() : OptionalInt.of(q.id);
  }

  /**
   * Stops notifying {@code onReady} (the same object passed to register) for this queue, e.g. when its VM closes.
   * Does nothing if another registrant has taken the queue over since. Queued items stay.
   */
  public void unregister(int id, IntConsumer onReady) {
    Queue q = byId.get(id);
    if (q != null) {
      Owner current = q.owner;
      if (current != null && current.onReady == onReady) {
        q.ownerCompareAndClear(current);
      }
    }
  }

  /**
   * OK (and the owner is notified), NOT_FOUND, or BAD_ARGUMENT (item too big) / INTERNAL_FAILURE (queue full, by
   * items or by bytes).
   */
  public Status enqueue(int id, byte[] value) {
    Queue q = byId.get(id);
    if (q == null) {
      return Status.NOT_FOUND;
    }
    if (value.length > maxItemBytes) {
      return Status.BAD_ARGUMENT;
    }
    if (q.bytes.addAndGet(value.length) > DEFAULT_MAX_QUEUE_BYTES) {
      q.bytes.addAndGet(-value.length);
      return Status.INTERNAL_FAILURE;
    }
    if (!q.items.offer(value.clone())) {
      q.bytes.addAndGet(-value.length);
      return Status.INTERNAL_FAILURE;
    }
    Owner owner = q.owner;
    if (owner != null) {
      try {
        owner.executor.execute(() -> owner.onReady.accept(id));
      } catch (RejectedExecutionException ownerGone) {
        // The owner's thread is shutting down; the item stays for whoever registers next.
      }
    }
    return Status.OK;
  }

  public Dequeued dequeue(int id) {
    Queue q = byId.get(id);
    if (q == null) {
      return NOT_FOUND;
    }
    byte[] value = q.items.poll();
    if (value == null) {
      return EMPTY;
    }
    q.bytes.addAndGet(-value.length);
    return new Dequeued(Status.OK, value);
  }

  /** Items waiting in the queue, or -1 for an unknown id. */
  public int size(int id) {
    Queue q = byId.get(id);
    return q == null ? -1 : q.items.size();
  }

  private record Key(String vmId, String name) {}

  private record Owner(Executor executor, IntConsumer onReady) {}

  private static final class Queue {
    final int id;
    final LinkedBlockingQueue<byte[]> items;
    final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
    volatile Owner owner;

    Queue(int id, int capacity) {
      this.id = id;
      this.items = new LinkedBlockingQueue<>(capacity);
    }

    synchronized void setOwner(Owner newOwner) {
      owner = newOwner;
    }

    synchronized void ownerCompareAndClear(Owner expected) {
      if (owner == expected) {
        owner = null;
      }
    }
  }
}

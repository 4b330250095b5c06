package io.wasmplane.wasm.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.wasm.SharedQueues;
import io.wasmplane.wasm.Status;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SharedQueuesTest {
  private final SharedQueues queues = new SharedQueues();
  private final ExecutorService ownerA = Executors.newSingleThreadExecutor(r -> new Thread(r, "owner-a"));
  private final ExecutorService ownerB = Executors.newSingleThreadExecutor(r -> new Thread(r, "owner-b"));
  /** What the owners saw: "thread:queueId". */
  private final BlockingQueue<String> notified = new LinkedBlockingQueue<>();
  private final IntConsumer recorder = id -> notified.add(Thread.currentThread().getName() + ":" + id);

  @AfterEach
  void stop() {
    ownerA.shutdownNow();
    ownerB.shutdownNow();
  }

  @Test
  void registerResolveAndReRegister() {
    int id = queues.register("vm1", "q", ownerA, recorder);
    assertThat(id).isPositive();
    assertThat(queues.resolve("vm1", "q")).hasValue(id);
    assertThat(queues.resolve("vm2", "q")).isEmpty();
    assertThat(queues.resolve("vm1", "other")).isEmpty();
    assertThat(queues.register("vm1", "q", ownerB, recorder)).isEqualTo(id);
    int other = queues.register("vm2", "q", ownerA, recorder);
    assertThat(other).isNotEqualTo(id);
  }

  @Test
  void enqueueNotifiesTheOwnerOnItsOwnExecutorAndDequeueIsFifo() throws Exception {
    int id = queues.register("vm", "q", ownerA, recorder);
    assertThat(queues.enqueue(id, new byte[] {1})).isEqualTo(Status.OK);
    assertThat(queues.enqueue(id, new byte[] {2})).isEqualTo(Status.OK);
    assertThat(notified.poll(10, TimeUnit.SECONDS)).isEqualTo("owner-a:" + id);
    assertThat(notified.poll(10, TimeUnit.SECONDS)).isEqualTo("owner-a:" + id);

    SharedQueues.Dequeued first = queues.dequeue(id);
    assertThat(first.status()).isEqualTo(Status.OK);
    assertThat(first.value()).containsExactly(1);
    assertThat(queues.dequeue(id).value()).containsExactly(2);
    SharedQueues.Dequeued empty = queues.dequeue(id);
    assertThat(empty.status()).isEqualTo(Status.EMPTY);
    assertThat(empty.value()).isNull();
  }

  @Test
  void theLatestRegistrantBecomesTheOwner() throws Exception {
    int id = queues.register("vm", "q", ownerA, recorder);
    queues.register("vm", "q", ownerB, recorder);
    queues.enqueue(id, new byte[] {9});
    assertThat(notified.poll(10, TimeUnit.SECONDS)).isEqualTo("owner-b:" + id);
    ownerA.submit(() -> {}).get(10, TimeUnit.SECONDS); // owner A's queue has drained: it was never told
    assertThat(notified).isEmpty();
  }

  @Test
  void unregisterStopsNotificationsButKeepsItems() throws Exception {
    int id = queues.register("vm", "q", ownerA, recorder);
    IntConsumer stranger = i -> {};
    queues.unregister(id, stranger); // not the owner: no effect
    queues.enqueue(id, new byte[] {1});
    assertThat(notified.poll(10, TimeUnit.SECONDS)).isEqualTo("owner-a:" + id);
    queues.unregister(id, recorder);
    queues.enqueue(id, new byte[] {2});
    ownerA.submit(() -> {}).get(10, TimeUnit.SECONDS);
    assertThat(notified).isEmpty();
    assertThat(queues.size(id)).isEqualTo(2);
  }

  @Test
  void unknownIdsAreNotFound() {
    assertThat(queues.enqueue(424242, new byte[] {1})).isEqualTo(Status.NOT_FOUND);
    assertThat(queues.dequeue(424242).status()).isEqualTo(Status.NOT_FOUND);
    assertThat(queues.size(424242)).isEqualTo(-1);
  }

  @Test
  void boundsAnswerWithAStatusAndAGoneOwnerIsHarmless() {
    SharedQueues small = new SharedQueues(2, 3);
    int id = small.register("vm", "q", ownerA, recorder);
    ownerA.shutdownNow(); // notifications are now rejected by the executor
    assertThat(small.enqueue(id, new byte[4])).isEqualTo(Status.BAD_ARGUMENT);
    assertThat(small.enqueue(id, new byte[3])).isEqualTo(Status.OK);
    assertThat(small.enqueue(id, new byte[1])).isEqualTo(Status.OK);
    assertThat(small.enqueue(id, new byte[1])).isEqualTo(Status.INTERNAL_FAILURE);
    assertThat(List.of(small.dequeue(id).value().length, small.dequeue(id).value().length)).containsExactly(3, 1);
  }

  @Test
  void enqueuedBytesAreCopied() {
    int id = queues.register("vm", "q", Runnable::run, i -> {});
    byte[] value = {5};
    queues.enqueue(id, value);
    value[0] = 6;
    assertThat(queues.dequeue(id).value()).containsExactly(5);
  }
}

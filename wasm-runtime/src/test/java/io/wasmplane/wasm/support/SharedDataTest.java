package io.wasmplane.wasm.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.wasm.SharedData;
import io.wasmplane.wasm.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SharedDataTest {
  private final SharedData data = new SharedData();

  @Test
  void missingKeyIsNull() {
    assertThat(data.get("vm", "nope")).isNull();
  }

  @Test
  void casFollowsProxyWasm() {
    assertThat(data.set("vm", "k", bytes("v1"), 0)).isEqualTo(Status.OK);
    SharedData.Entry first = data.get("vm", "k");
    assertThat(first.value()).containsExactly(bytes("v1"));
    assertThat(first.cas()).isNotZero();

    assertThat(data.set("vm", "k", bytes("v2"), first.cas())).isEqualTo(Status.OK);
    SharedData.Entry second = data.get("vm", "k");
    assertThat(second.value()).containsExactly(bytes("v2"));
    assertThat(second.cas()).isNotEqualTo(first.cas());

    // a stale cas loses and leaves the value alone
    assertThat(data.set("vm", "k", bytes("v3"), first.cas())).isEqualTo(Status.CAS_MISMATCH);
    assertThat(data.get("vm", "k").value()).containsExactly(bytes("v2"));

    // cas 0 always writes, and still bumps the cas
    assertThat(data.set("vm", "k", bytes("v4"), 0)).isEqualTo(Status.OK);
    assertThat(data.get("vm", "k").cas()).isNotEqualTo(second.cas()).isNotZero();

    // as cpp-host: a non-zero cas on a missing key is accepted
    assertThat(data.set("vm", "fresh", bytes("x"), 12345)).isEqualTo(Status.OK);
  }

  @Test
  void vmIdsAreSeparateSpaces() {
    data.set("a", "k", bytes("from-a"), 0);
    assertThat(data.get("b", "k")).isNull();
    assertThat(data.keys("a")).containsExactly("k");
    assertThat(data.keys("b")).isEmpty();
  }

  @Test
  void storedValuesAreCopies() {
    byte[] value = bytes("abc");
    data.set("vm", "k", value, 0);
    value[0] = 'X';
    byte[] read = data.get("vm", "k").value();
    read[1] = 'Y';
    assertThat(data.get("vm", "k").value()).containsExactly(bytes("abc"));
  }

  @Test
  void boundsAnswerWithAStatus() {
    SharedData small = new SharedData(4, 2);
    assertThat(small.set("vm", "k", new byte[5], 0)).isEqualTo(Status.BAD_ARGUMENT);
    assertThat(small.set("vm", "a", new byte[4], 0)).isEqualTo(Status.OK);
    assertThat(small.set("vm", "b", new byte[1], 0)).isEqualTo(Status.OK);
    assertThat(small.set("vm", "c", new byte[1], 0)).isEqualTo(Status.INTERNAL_FAILURE);
    assertThat(small.set("vm", "a", new byte[2], 0)).isEqualTo(Status.OK); // replacing is fine when full
    assertThat(small.set("other", "c", new byte[1], 0)).isEqualTo(Status.OK); // the bound is per vm_id
    assertThat(small.get("vm", "c")).isNull();
  }

  /** Threads increment one shared counter with CAS retries (as a plugin would); no update may be lost. */
  @Test
  void concurrentCasIncrementsLoseNothing() throws Exception {
    int threads = 4;
    int perThread = 2000;
    data.set("vm", "counter", ByteBuffer.allocate(8).putLong(0).array(), 0);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> mismatches = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        mismatches.add(pool.submit(() -> {
          start.await();
          int lost = 0;
          for (int i = 0; i < perThread; i++) {
            for (int attempt = 0; attempt < 1_000_000; attempt++) { // bounded retry
              SharedData.Entry e = data.get("vm", "counter");
              long next = ByteBuffer.wrap(e.value()).getLong() + 1;
              if (data.set("vm", "counter", ByteBuffer.allocate(8).putLong(next).array(), e.cas()) == Status.OK) {
                break;
              }
              lost++;
            }
          }
          return lost;
        }));
      }
      start.countDown();
      for (Future<Integer> f : mismatches) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(ByteBuffer.wrap(data.get("vm", "counter").value()).getLong()).isEqualTo((long) threads * perThread);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}

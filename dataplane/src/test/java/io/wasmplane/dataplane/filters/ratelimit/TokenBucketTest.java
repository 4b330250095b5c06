package io.wasmplane.dataplane.filters.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The token bucket's arithmetic on an explicit clock (no sleeping): starts full, fills tokens_per_fill per elapsed
 * fill_interval up to max_tokens, reports whole seconds to the next fill; and under contention from several threads
 * it never hands out more tokens than it holds.
 */
@Timeout(30)
class TokenBucketTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void startsFullAndRefillsTokensPerFillAtEachIntervalUpToMaxTokens() {
    TokenBucket b = new TokenBucket(new TokenBucketSpec(3, 2, Duration.ofSeconds(10)), 0);
    for (int i = 0; i < 3; i++) {
      assertThat(b.tryConsume(i)).isTrue();
    }
    assertThat(b.tryConsume(9 * SECOND)).isFalse(); // no fill before the first boundary
    assertThat(b.tryConsume(10 * SECOND)).isTrue(); // one fill: 2 tokens
    assertThat(b.tryConsume(11 * SECOND)).isTrue();
    assertThat(b.tryConsume(12 * SECOND)).isFalse();
    // Five intervals later the bucket is full again, never above max_tokens.
    for (int i = 0; i < 3; i++) {
      assertThat(b.tryConsume(70 * SECOND)).isTrue();
    }
    assertThat(b.tryConsume(70 * SECOND)).isFalse();
  }

  @Test
  void resetIsTheWholeSecondsToTheNextFill() {
    TokenBucket b = new TokenBucket(new TokenBucketSpec(1, 1, Duration.ofSeconds(60)), 0);
    assertThat(b.secondsToNextFill(0)).isEqualTo(60);
    assertThat(b.secondsToNextFill(15 * SECOND + 1)).isEqualTo(44); // 44.99... truncated
    assertThat(b.secondsToNextFill(60 * SECOND)).isEqualTo(60);
  }

  @Test
  void concurrentConsumersGetExactlyTheTokensThereAre() throws Exception {
    TokenBucket b = new TokenBucket(new TokenBucketSpec(10_000, 1, Duration.ofHours(1)));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> taken = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        taken.add(pool.submit(() -> {
          go.await();
          int n = 0;
          for (int i = 0; i < 5_000; i++) {
            if (b.tryConsume()) {
              n++;
            }
          }
          return n;
        }));
      }
      go.countDown();
      int total = 0;
      for (Future<Integer> f : taken) {
        total += f.get(20, TimeUnit.SECONDS);
      }
      assertThat(total).isEqualTo(10_000);
      assertThat(b.remaining()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }
}

package io.wasmplane.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The histogram's buckets, quantiles and concurrent recording. */
@Timeout(30)
class HistogramTest {
  @Test
  void envoyBoundsAreExactBucketEdges() {
    Histogram h = new Histogram();
    for (double b : HistogramSnapshot.DEFAULT_BOUNDS) {
      long v = (long) Math.floor(b);
      h.record(v); // at (or just under) the bound
      h.record(v + 1); // just over it
    }
    HistogramSnapshot s = h.snapshot();
    double[] bounds = HistogramSnapshot.DEFAULT_BOUNDS;
    for (int i = 0; i < bounds.length; i++) {
      // each bound counts its own value, and the "just over" value of every lower bound that is below it
      long expected = 0;
      for (double b : bounds) {
        long v = (long) Math.floor(b);
        expected += (v <= bounds[i] ? 1 : 0) + (v + 1 <= bounds[i] ? 1 : 0);
      }
      assertThat(s.countAtOrBelow(bounds[i])).as("le=%s", bounds[i]).isEqualTo(expected);
    }
    assertThat(s.count()).isEqualTo(2L * bounds.length);
  }

  @Test
  void quantilesAreExactToOneHundredAndWithinABucketAbove() {
    Histogram h = new Histogram();
    assertThat(h.snapshot().used()).isFalse();
    assertThat(h.snapshot().quantile(0.5)).isNaN();
    for (int v = 1; v <= 100; v++) {
      h.record(v);
    }
    HistogramSnapshot s = h.snapshot();
    assertThat(s.quantile(0)).isEqualTo(1);
    assertThat(s.quantile(0.5)).isEqualTo(50);
    assertThat(s.quantile(1)).isEqualTo(100);
    assertThat(s.sum()).isEqualTo(5050);

    Histogram wide = new Histogram();
    for (int v = 1; v <= 10_000; v++) {
      wide.record(v);
    }
    HistogramSnapshot w = wide.snapshot();
    assertThat(w.quantile(0.5)).isCloseTo(5000, within(50.0));
    assertThat(w.quantile(0.99)).isCloseTo(9900, within(100.0));
    assertThat(w.quantile(1)).isEqualTo(10_000);
    assertThat(w.sum()).isEqualTo(50_005_000L);
  }

  @Test
  void extremesAndNegativesAreKept() {
    Histogram h = new Histogram();
    h.record(-5);
    h.record(Long.MAX_VALUE);
    HistogramSnapshot s = h.snapshot();
    assertThat(s.count()).isEqualTo(2);
    assertThat(s.quantile(0)).isEqualTo(0);
    assertThat(s.quantile(1)).isGreaterThanOrEqualTo((double) Long.MAX_VALUE);
    assertThat(s.countAtOrBelow(3_600_000)).isEqualTo(1);
  }

  @Test
  void flushClosesAnInterval() {
    Histogram h = new Histogram();
    h.record(3);
    assertThat(h.interval().used()).as("no flush yet").isFalse();
    h.flush();
    h.record(40);
    h.record(41);
    assertThat(h.interval().count()).isEqualTo(1);
    assertThat(h.interval().quantile(1)).isEqualTo(3);
    h.flush();
    assertThat(h.interval().count()).isEqualTo(2);
    assertThat(h.interval().sum()).isEqualTo(81);
    assertThat(h.interval().quantile(0)).isEqualTo(40);
    h.flush();
    assertThat(h.interval().used()).isFalse();
    assertThat(h.snapshot().count()).isEqualTo(3);
  }

  @Test
  void concurrentRecordersLoseNothing() throws Exception {
    Histogram h = new Histogram();
    int threads = 4;
    int each = 50_000;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < each; i++) {
          h.record(i % 2000);
        }
      });
      th.start();
      ts.add(th);
    }
    go.countDown();
    for (Thread th : ts) {
      th.join(20_000);
    }
    HistogramSnapshot s = h.snapshot();
    assertThat(s.count()).isEqualTo((long) threads * each);
    assertThat(s.sum()).isEqualTo((long) threads * 25 * (1999L * 2000 / 2));
    assertThat(s.countAtOrBelow(1000)).isEqualTo((long) threads * 25 * 1001);
  }
}

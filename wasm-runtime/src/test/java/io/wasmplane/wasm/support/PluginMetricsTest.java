package io.wasmplane.wasm.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.wasm.MetricType;
import io.wasmplane.wasm.MetricValue;
import io.wasmplane.wasm.PluginMetrics;
import io.wasmplane.wasm.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PluginMetricsTest {
  private final PluginMetrics metrics = new PluginMetrics();

  @Test
  void sameTypeAndNameIsTheSameMetric() {
    int a = metrics.define(MetricType.COUNTER, "requests");
    int b = metrics.define(MetricType.COUNTER, "requests");
    int c = metrics.define(MetricType.GAUGE, "active");
    assertThat(a).isPositive().isEqualTo(b).isNotEqualTo(c);
    assertThat(metrics.typeOf(a)).isEqualTo(MetricType.COUNTER);
    assertThat(metrics.typeOf(9999)).isNull();
    assertThatThrownBy(() -> metrics.define(MetricType.GAUGE, "requests"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requests").hasMessageContaining("COUNTER");
    assertThatThrownBy(() -> metrics.define(MetricType.COUNTER, "")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void countersOnlyGoUp() {
    int id = metrics.define(MetricType.COUNTER, "c");
    assertThat(metrics.increment(id, 5)).isEqualTo(Status.OK);
    assertThat(metrics.increment(id, -1)).isEqualTo(Status.BAD_ARGUMENT);
    assertThat(metrics.get(id)).hasValue(5);
    assertThat(metrics.record(id, 3)).isEqualTo(Status.OK); // lower: no change
    assertThat(metrics.get(id)).hasValue(5);
    assertThat(metrics.record(id, 12)).isEqualTo(Status.OK);
    assertThat(metrics.get(id)).hasValue(12);
  }

  @Test
  void gaugesAddAndSet() {
    int id = metrics.define(MetricType.GAUGE, "g");
    metrics.increment(id, 10);
    metrics.increment(id, -3);
    assertThat(metrics.get(id)).hasValue(7);
    metrics.record(id, -42);
    assertThat(metrics.get(id)).hasValue(-42);
  }

  @Test
  void resetCountersZeroesCountersOnlyAndTheyCountOnFromZero() {
    int c = metrics.define(MetricType.COUNTER, "c");
    int g = metrics.define(MetricType.GAUGE, "g");
    int h = metrics.define(MetricType.HISTOGRAM, "h");
    metrics.increment(c, 5);
    metrics.increment(g, 9);
    metrics.record(h, 100);
    metrics.resetCounters();
    assertThat(metrics.get(c)).hasValue(0);
    assertThat(metrics.get(g)).hasValue(9);
    assertThat(metrics.snapshot().stream().filter(m -> m.name().equals("h")).findFirst().orElseThrow().count()).isEqualTo(1);
    metrics.increment(c, 2);
    assertThat(metrics.get(c)).hasValue(2);
  }

  @Test
  void histogramsKeepCountSumAndQuantiles() {
    int id = metrics.define(MetricType.HISTOGRAM, "latency");
    for (int v = 1; v <= 1000; v++) {
      assertThat(metrics.record(id, v)).isEqualTo(Status.OK);
    }
    assertThat(metrics.increment(id, 1)).isEqualTo(Status.BAD_ARGUMENT);
    assertThat(metrics.get(id)).isEmpty();
    MetricValue h = metrics.snapshot().get(0);
    assertThat(h.type()).isEqualTo(MetricType.HISTOGRAM);
    assertThat(h.count()).isEqualTo(1000);
    assertThat(h.sum()).isEqualTo(500_500);
    assertThat(h.max()).isEqualTo(1000);
    // log buckets: within 1/16 of the true quantile, never below it
    assertThat(h.p50()).isBetween(500L, 532L);
    assertThat(h.p90()).isBetween(900L, 957L);
    assertThat(h.p99()).isBetween(990L, 1000L);
  }

  @Test
  void smallHistogramValuesAreExact() {
    int id = metrics.define(MetricType.HISTOGRAM, "small");
    for (int v : new int[] {0, 1, 2, 3, 3, 3, 3, 3, 3, 15}) {
      metrics.record(id, v);
    }
    MetricValue h = metrics.snapshot().get(0);
    assertThat(h.p50()).isEqualTo(3);
    assertThat(h.p99()).isEqualTo(15);
    metrics.record(id, -5); // histograms are unsigned: counts as 0
    assertThat(metrics.snapshot().get(0).count()).isEqualTo(11);
  }

  /** The host's sink gets every recorded value of histograms defined before and after it is set, and nothing else. */
  @Test
  void histogramSinkSeesRecordedValues() {
    int before = metrics.define(MetricType.HISTOGRAM, "early");
    int counter = metrics.define(MetricType.COUNTER, "c");
    java.util.Map<String, List<Long>> seen = new java.util.TreeMap<>();
    metrics.histogramSink(name -> v -> seen.computeIfAbsent(name, n -> new ArrayList<>()).add(v));
    int after = metrics.define(MetricType.HISTOGRAM, "late");
    assertThat(metrics.record(before, 3)).isEqualTo(Status.OK);
    assertThat(metrics.record(after, -2)).isEqualTo(Status.OK);
    assertThat(metrics.record(after, 900)).isEqualTo(Status.OK);
    assertThat(metrics.record(counter, 5)).isEqualTo(Status.OK);
    assertThat(seen).isEqualTo(java.util.Map.of("early", List.of(3L), "late", List.of(0L, 900L)));
  }

  @Test
  void unknownIdsAreNotFound() {
    assertThat(metrics.increment(77, 1)).isEqualTo(Status.NOT_FOUND);
    assertThat(metrics.record(77, 1)).isEqualTo(Status.NOT_FOUND);
    assertThat(metrics.get(77)).isEmpty();
    assertThat(metrics.increment(0, 1)).isEqualTo(Status.NOT_FOUND);
    assertThat(metrics.increment(-1, 1)).isEqualTo(Status.NOT_FOUND);
  }

  @Test
  void snapshotIsSortedAndImmutable() {
    metrics.define(MetricType.GAUGE, "zeta");
    int alpha = metrics.define(MetricType.COUNTER, "alpha");
    metrics.define(MetricType.HISTOGRAM, "mid");
    metrics.increment(alpha, 3);
    List<MetricValue> snap = metrics.snapshot();
    assertThat(snap).extracting(MetricValue::name).containsExactly("alpha", "mid", "zeta");
    assertThat(snap.get(0).value()).isEqualTo(3);
    assertThatThrownBy(() -> snap.add(snap.get(0))).isInstanceOf(UnsupportedOperationException.class);
    metrics.increment(alpha, 1);
    assertThat(snap.get(0).value()).isEqualTo(3); // a snapshot does not move
  }

  @Test
  void registryIsBounded() {
    PluginMetrics small = new PluginMetrics(2);
    small.define(MetricType.COUNTER, "a");
    small.define(MetricType.COUNTER, "b");
    assertThat(small.define(MetricType.COUNTER, "a")).isPositive(); // existing names still resolve
    assertThatThrownBy(() -> small.define(MetricType.COUNTER, "c")).isInstanceOf(IllegalArgumentException.class);
  }

  /** Workers define the same metric independently and add into it at once; the totals are exact. */
  @Test
  void concurrentWorkersShareOneMetric() throws Exception {
    int threads = 4;
    int perThread = 50_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          start.await();
          int counter = metrics.define(MetricType.COUNTER, "shared.counter");
          int gauge = metrics.define(MetricType.GAUGE, "shared.gauge");
          int histogram = metrics.define(MetricType.HISTOGRAM, "shared.histogram");
          for (int i = 0; i < perThread; i++) {
            metrics.increment(counter, 1);
            metrics.increment(gauge, (i & 1) == 0 ? 2 : -1);
            metrics.record(histogram, 7);
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    List<MetricValue> snap = metrics.snapshot();
    assertThat(snap).extracting(MetricValue::name)
        .containsExactly("shared.counter", "shared.gauge", "shared.histogram");
    assertThat(snap.get(0).value()).isEqualTo((long) threads * perThread);
    assertThat(snap.get(1).value()).isEqualTo((long) threads * perThread / 2);
    assertThat(snap.get(2).count()).isEqualTo((long) threads * perThread);
    assertThat(snap.get(2).sum()).isEqualTo(7L * threads * perThread);
  }
}

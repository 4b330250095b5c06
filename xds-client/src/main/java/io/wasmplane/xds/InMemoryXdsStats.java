package io.wasmplane.xds;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Thread-safe in-memory stats, for tests and for a data plane that reads them back for /stats. */
public final class InMemoryXdsStats implements XdsStats {
  private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

  @Override
  public void increment(String name) {
    counters.computeIfAbsent(name, n -> new AtomicLong()).incrementAndGet();
  }

  @Override
  public void setGauge(String name, long value) {
    gauges.computeIfAbsent(name, n -> new AtomicLong()).set(value);
  }

  public long counter(String name) {
    AtomicLong v = counters.get(name);
    return v == null ? 0 : v.get();
  }

  public long gauge(String name) {
    AtomicLong v = gauges.get(name);
    return v == null ? 0 : v.get();
  }

  /** Sorted copy of all counters and gauges. */
  public Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.get()));
    gauges.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }
}

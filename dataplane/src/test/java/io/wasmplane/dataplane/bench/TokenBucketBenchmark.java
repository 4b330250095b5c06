package io.wasmplane.dataplane.bench;

import io.wasmplane.dataplane.filters.ratelimit.TokenBucket;
import io.wasmplane.dataplane.filters.ratelimit.TokenBucketSpec;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the local rate limit's shared token bucket costs a request: one token taken from a bucket that never runs dry
 * (refilled every 50 ms, so the refill CAS runs too), by one thread and by two contending ones, and a refused take
 * from an empty bucket.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class TokenBucketBenchmark {
  private TokenBucket plenty;
  private TokenBucket empty;

  @Setup
  public void setup() {
    plenty = new TokenBucket(new TokenBucketSpec(Integer.MAX_VALUE, Integer.MAX_VALUE, Duration.ofMillis(50)));
    empty = new TokenBucket(new TokenBucketSpec(1, 1, Duration.ofDays(1)));
    empty.tryConsume();
  }

  @Benchmark
  public boolean take() {
    return plenty.tryConsume();
  }

  @Benchmark
  @Threads(2)
  public boolean takeContended() {
    return plenty.tryConsume();
  }

  @Benchmark
  public boolean refused() {
    return empty.tryConsume();
  }
}

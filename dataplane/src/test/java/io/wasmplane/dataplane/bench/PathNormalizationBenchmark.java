package io.wasmplane.dataplane.bench;

import io.wasmplane.dataplane.config.PathNormalization;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-request cost of the HCM path handling Istio turns on (normalize_path, merge_slashes, KEEP_UNCHANGED):
 * a path already canonical (the usual request) and one that needs the full canonicalization.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PathNormalizationBenchmark {
  @Param({"/reviews/1/static/app.min.js?user=jason&x=1", "/reviews//1/./static/../%61pp.js?user=jason"})
  public String path;

  private final PathNormalization istio = new PathNormalization(true, true, PathNormalization.EscapedSlashes.KEEP_UNCHANGED);

  @Benchmark
  public PathNormalization.Outcome normalize() {
    return istio.normalize(path);
  }
}

package io.wasmplane.wasm.bench;

import io.wasmplane.wasm.LogLevel;
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
import org.openjdk.jmh.annotations.Warmup;

/** The baseline for {@link RequestRoundBenchmark}: c_bench's header work as a plain Java filter, same header maps. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 6, time = 2)
@Measurement(iterations = 6, time = 1)
public class PlainJavaRoundBenchmark {

  @Setup
  public void check() {
    ArrayHeaders request = new ArrayHeaders(BenchHeaders.REQUEST);
    ArrayHeaders response = new ArrayHeaders(BenchHeaders.RESPONSE);
    round(request, response);
    BenchHeaders.verify("plain Java", request, response);
  }

  private static PlainJavaFilter round(ArrayHeaders request, ArrayHeaders response) {
    PlainJavaFilter filter = new PlainJavaFilter(request, response, LogLevel.WARN);
    filter.onRequestHeaders();
    filter.onResponseHeaders();
    filter.onLog();
    return filter;
  }

  @Benchmark
  public PlainJavaFilter plainJava() {
    return round(new ArrayHeaders(BenchHeaders.REQUEST), new ArrayHeaders(BenchHeaders.RESPONSE));
  }
}

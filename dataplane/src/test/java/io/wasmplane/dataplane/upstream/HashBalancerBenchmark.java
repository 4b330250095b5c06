package io.wasmplane.dataplane.upstream;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What a host-set change costs (building the ring / the Maglev table) and what a request costs (xxHash64 of a header
 * value plus the lookup). Not in `make bench`; run with JMH's Main on the test classpath, e.g.
 * {@code java -cp ... org.openjdk.jmh.Main -f 1 -wi 2 -i 3 HashBalancerBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HashBalancerBenchmark {
  @Param({"3", "100"})
  int hosts;
  private List<UpstreamHost> list;
  private HashBalancer ring;
  private HashBalancer maglev;
  private long n;

  @Setup
  public void setup() throws Exception {
    list = new ArrayList<>();
    for (int i = 0; i < hosts; i++) {
      list.add(new UpstreamHost("h", new InetSocketAddress(InetAddress.getByName("10.0." + (i / 250) + "." + (i % 250 + 1)), 8080)));
    }
    ring = RingHash.build(list, 1024, 8L << 20, false);
    maglev = MaglevTable.build(list, 65537);
  }

  @Benchmark
  public Object buildRing() {
    return RingHash.build(list, 1024, 8L << 20, false);
  }

  @Benchmark
  public Object buildMaglev() {
    return MaglevTable.build(list, 65537);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Object hashAndPickRing() {
    return ring.choose(XxHash64.hash("user-" + (n++ & 1023)), 0);
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Object hashAndPickMaglev() {
    return maglev.choose(XxHash64.hash("user-" + (n++ & 1023)), 0);
  }
}

package io.wasmplane.dataplane.upstream;

import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.config.HealthConfig;
import io.wasmplane.dataplane.config.Http2Options;
import io.wasmplane.dataplane.config.TransportSocketMatch;
import io.wasmplane.dataplane.server.Transport;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * What locality weighting adds: per request, {@link UpstreamCluster#chooseHost()} (ROUND_ROBIN) with and without a
 * locality pick first; per host-set change, rebuilding the {@link HostSelection}. 100 hosts in 10 localities of
 * weights 1..10. Not in `make bench`; run with JMH's Main on the test classpath, e.g.
 * {@code java -cp ... org.openjdk.jmh.Main -f 1 -wi 2 -i 3 LocalityBalancingBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LocalityBalancingBenchmark {
  @Param({"false", "true"})
  boolean localityWeighted;
  private UpstreamCluster cluster;

  @Setup
  public void setup() {
    List<ClusterConfig.EndpointAddress> endpoints = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      endpoints.add(new ClusterConfig.EndpointAddress("10.0.0." + (i + 1), 8080, false, false, 1, TransportSocketMatch.HostLabels.NONE, 0,
          new ClusterConfig.Locality("r", "z" + i / 10, "", i / 10 + 1)));
    }
    ClusterConfig config = new ClusterConfig("c", ClusterConfig.DiscoveryType.STATIC, ClusterConfig.LbPolicy.ROUND_ROBIN,
        Duration.ofSeconds(1), endpoints, ClusterConfig.UpstreamProtocol.HTTP1, Optional.empty(), ClusterConfig.CircuitBreakers.DEFAULT,
        Duration.ofSeconds(5), Duration.ofHours(1), HealthConfig.DEFAULT, ClusterConfig.HashLbConfig.DEFAULT, List.of(), List.of(),
        ClusterConfig.DEFAULT_OVERPROVISIONING_FACTOR, Http2Options.DEFAULT, localityWeighted);
    cluster = new UpstreamCluster(config, new StatsRegistry(), Transport.best(), null, () -> null);
  }

  @Benchmark
  public UpstreamHost chooseHost() {
    return cluster.chooseHost();
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public HostSelection rebuild() {
    return HostSelection.of(cluster.hosts(), 140, 50, false, localityWeighted, null);
  }
}

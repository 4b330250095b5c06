package io.wasmplane.dataplane.bench;

import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.config.HealthConfig;
import io.wasmplane.dataplane.config.Http2Options;
import io.wasmplane.dataplane.config.TransportSocketMatch;
import io.wasmplane.dataplane.server.Transport;
import io.wasmplane.dataplane.stats.StatsRegistry;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.dataplane.upstream.UpstreamHost;
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
 * Per request, {@link UpstreamCluster#chooseHost()} for ROUND_ROBIN and LEAST_REQUEST over hosts of equal weights
 * (rotation, best of 2) and of unequal weights 1..10 (the EDF schedule of the calling thread: O(log n)). Not in
 * `make bench`; run with JMH's Main on the test classpath, e.g.
 * {@code java -cp ... org.openjdk.jmh.Main -f 1 -wi 2 -i 3 WeightedPickBenchmark} (add {@code -t 2} for two threads).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class WeightedPickBenchmark {
  @Param({"ROUND_ROBIN", "LEAST_REQUEST"})
  ClusterConfig.LbPolicy policy;
  @Param({"false", "true"})
  boolean weighted;
  @Param({"10", "1000"})
  int hosts;
  private UpstreamCluster cluster;

  @Setup
  public void setup() {
    List<ClusterConfig.EndpointAddress> endpoints = new ArrayList<>();
    for (int i = 0; i < hosts; i++) {
      endpoints.add(new ClusterConfig.EndpointAddress("10.0." + i / 250 + "." + (i % 250 + 1), 8080, false, false,
          weighted ? i % 10 + 1 : 1, TransportSocketMatch.HostLabels.NONE));
    }
    ClusterConfig config = new ClusterConfig("c", ClusterConfig.DiscoveryType.STATIC, policy, Duration.ofSeconds(1), endpoints,
        ClusterConfig.UpstreamProtocol.HTTP1, Optional.empty(), ClusterConfig.CircuitBreakers.DEFAULT, Duration.ofSeconds(5),
        Duration.ofHours(1), HealthConfig.DEFAULT, ClusterConfig.HashLbConfig.DEFAULT, List.of(), List.of(),
        ClusterConfig.DEFAULT_OVERPROVISIONING_FACTOR, Http2Options.DEFAULT, false);
    cluster = new UpstreamCluster(config, new StatsRegistry(), Transport.best(), null, () -> null);
  }

  @Benchmark
  public UpstreamHost chooseHost() {
    return cluster.chooseHost();
  }
}

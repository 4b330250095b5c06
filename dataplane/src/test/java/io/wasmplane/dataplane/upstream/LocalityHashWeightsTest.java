package io.wasmplane.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.config.ClusterConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * With locality weighting, the ring and the Maglev table give each host its share of its locality times the
 * locality's share of all locality weights (Envoy's normalized weights); localities without a weight get no keys.
 */
class LocalityHashWeightsTest {
  private static UpstreamHost host(int port, String zone, long weight) throws Exception {
    UpstreamHost h = new UpstreamHost("127.0.0.1", new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
    h.locality = new ClusterConfig.Locality("r", zone, "", weight);
    return h;
  }

  private static Map<UpstreamHost, Integer> keysPerHost(HashBalancer b) {
    Map<UpstreamHost, Integer> count = new HashMap<>();
    for (int k = 0; k < 30000; k++) {
      count.merge(b.choose(XxHash64.hash("k" + k), 0), 1, Integer::sum);
    }
    return count;
  }

  @Test
  void hostsShareTheirLocalitysShareOfTheKeys() throws Exception {
    UpstreamHost a = host(9301, "x", 1);
    UpstreamHost b = host(9302, "x", 1);
    b.weight = 3; // 3/4 of x
    UpstreamHost c = host(9303, "y", 3);
    UpstreamHost d = host(9304, "z", 0);
    List<UpstreamHost> all = List.of(a, b, c, d);
    List<Function<WeightedHosts, HashBalancer>> builders = List.of(
        w -> RingHash.build(w, 1024, 8L << 20, false), w -> MaglevTable.build(w, 65537));
    for (Function<WeightedHosts, HashBalancer> build : builders) {
      HashBalancer hb = HostSelection.of(all, 140, 50, false, true, build).choose(0).hash();
      Map<UpstreamHost, Integer> n = keysPerHost(hb);
      String name = hb.getClass().getSimpleName();
      assertThat(n).as(name).doesNotContainKey(d);
      assertThat(n.get(a)).as(name).isBetween(1500, 2250); // 1/4 x 1/4 = 6.25 % of 30000 = 1875
      assertThat(n.get(b)).as(name).isBetween(5000, 6250); // 3/4 x 1/4 = 18.75 % = 5625
      assertThat(n.get(c)).as(name).isBetween(21500, 23500); // 3/4 = 22500
      // Without locality weighting the localities do not count: host weights 1, 3, 1, 1.
      Map<UpstreamHost, Integer> flat = keysPerHost(HostSelection.of(all, 140, 50, false, false, build).choose(0).hash());
      assertThat(flat.get(d)).as(name).isBetween(4300, 5700); // 1/6 = 5000
    }
  }
}

package io.wasmplane.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.config.ClusterConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The locality pick on its own: Envoy's documented table of effective locality weights, and the deterministic
 * sequence staying within a few picks of each share for any number of picks.
 */
class LocalityPickerTest {
  private static List<UpstreamHost> locality(String zone, long weight, int hosts, int healthy, int firstPort) throws Exception {
    List<UpstreamHost> out = new ArrayList<>();
    for (int i = 0; i < hosts; i++) {
      UpstreamHost h = new UpstreamHost("127.0.0.1", new InetSocketAddress(InetAddress.getByName("127.0.0.1"), firstPort + i));
      h.locality = new ClusterConfig.Locality("r", zone, "", weight);
      h.health().update(HostHealth.FAILED_EDS_HEALTH, i >= healthy);
      out.add(h);
    }
    return out;
  }

  /** Envoy's "Locality weighted load balancing" table: X weight 1, Y weight 2 fully healthy, overprovisioning 1.4. */
  @ParameterizedTest(name = "X {0} % healthy takes {1} %")
  @CsvSource({"100, 33", "70, 33", "69, 32", "50, 26", "25, 15", "0, 0"})
  void envoysDocumentedShares(int healthyPercent, int percentToX) throws Exception {
    List<UpstreamHost> all = new ArrayList<>(locality("x", 1, 100, healthyPercent, 10000));
    all.addAll(locality("y", 2, 100, 100, 20000));
    HostSelection.Candidates c = HostSelection.of(all, 140, 50, false, true, null).choose(0);
    int toX = 0;
    for (int i = 0; i < 10000; i++) {
      toX += c.localities().next().hosts().get(0).locality().zone().equals("x") ? 1 : 0;
    }
    // Exactly the formula's share (X = min(1, 1.4 x healthy fraction), Y = 2) within a few picks; the table rounds
    // its percentages loosely (69 %: 0.966 / 2.966 = 32.6 %, listed as 32), so within a point of it.
    double x = Math.min(1, 1.4 * healthyPercent / 100.0);
    assertThat((double) toX).isCloseTo(10000 * x / (x + 2), org.assertj.core.data.Offset.offset(4.0));
    assertThat(toX / 100.0).isCloseTo(percentToX, org.assertj.core.data.Offset.offset(1.0));
  }

  @Test
  void everyPrefixOfThePicksIsWithinAFewOfItsShares() throws Exception {
    List<UpstreamHost> all = new ArrayList<>(locality("a", 1, 1, 1, 10000));
    all.addAll(locality("b", 2, 1, 1, 20000));
    all.addAll(locality("c", 7, 1, 1, 30000));
    LocalityPicker picker = HostSelection.of(all, 140, 50, false, true, null).choose(0).localities();
    int[] count = new int[3];
    for (int n = 1; n <= 5000; n++) {
      count[picker.next().hosts().get(0).locality().zone().charAt(0) - 'a']++;
      for (int i = 0; i < 3; i++) {
        double expected = n * new double[] {0.1, 0.2, 0.7}[i];
        assertThat(Math.abs(count[i] - expected)).as("locality %d after %d picks", i, n).isLessThan(4.0);
      }
    }
  }

  @Test
  void noPickerInPanicOrWithoutAnyLocalityWeight() throws Exception {
    List<UpstreamHost> panicking = new ArrayList<>(locality("x", 1, 4, 1, 10000)); // 25 % healthy, under 50 %
    assertThat(HostSelection.of(panicking, 140, 50, false, true, null).choose(0).localities()).isNull();
    List<UpstreamHost> unweighted = new ArrayList<>(locality("x", 0, 2, 2, 10000));
    assertThat(HostSelection.of(unweighted, 140, 50, false, true, null).choose(0).localities()).isNull();
    assertThat(HostSelection.of(unweighted, 140, 50, false, true, null).choose(0).hosts()).hasSize(2);
  }
}

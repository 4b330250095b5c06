package io.wasmplane.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.dataplane.config.FilterChainMatcher.IpRange;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The IP trie matcher's index finds exactly the ranges a scan with {@link IpPrefix#contains} finds, in its order. */
class IpRangeIndexTest {
  @Test
  void findsWhatAScanFinds() throws Exception {
    Random random = new Random(7);
    int hits = 0;
    for (int round = 0; round < 50; round++) {
      List<IpRange> ranges = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        byte[] a = new byte[random.nextBoolean() ? 4 : 16];
        random.nextBytes(a);
        // Few distinct first bytes, so ranges nest and addresses below fall inside some of them.
        a[0] = (byte) random.nextInt(3);
        int length = random.nextInt(a.length * 8 + 1);
        ranges.add(new IpRange(IpPrefix.parse(InetAddress.getByAddress(a).getHostAddress(), length, "r"), random.nextBoolean(),
            new FilterChainMatcher.Action(i)));
      }
      IpRangeIndex index = new IpRangeIndex(ranges);
      for (int probe = 0; probe < 200; probe++) {
        byte[] a = new byte[random.nextBoolean() ? 4 : 16];
        random.nextBytes(a);
        a[0] = (byte) random.nextInt(3);
        InetAddress address = InetAddress.getByAddress(a);
        List<IpRange> viaIndex = new ArrayList<>();
        for (int length : index.lengths()) {
          List<IpRange> found = index.find(address.getAddress(), length);
          if (found != null) {
            viaIndex.addAll(found);
          }
        }
        List<IpRange> viaScan = new ArrayList<>(ranges.stream().filter(r -> r.prefix().contains(address)).toList());
        viaScan.sort((x, y) -> Integer.compare(y.prefix().length(), x.prefix().length()));
        assertThat(viaIndex).as("address %s", address).containsExactlyElementsOf(viaScan);
        hits += viaScan.size();
      }
    }
    assertThat(hits).as("the probes fall inside ranges often enough to test something").isGreaterThan(1000);
  }
}

package io.wasmplane.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ring and the Maglev table pick exactly the hosts Envoy's do (the expectations of Envoy's ring_hash_lb_test and
 * maglev_lb_test "Basic" cases), keep keys in place when a host leaves, and honour weights.
 */
class HashBalancerTest {
  private static List<UpstreamHost> hosts(int firstPort, int count) throws Exception {
    List<UpstreamHost> list = new ArrayList<>();
    for (int p = firstPort; p < firstPort + count; p++) {
      list.add(new UpstreamHost("127.0.0.1", new InetSocketAddress(InetAddress.getByName("127.0.0.1"), p)));
    }
    return list;
  }

  private static long u64(String decimal) {
    return Long.parseUnsignedLong(decimal);
  }

  @Test
  void ringMatchesEnvoysBasicRing() throws Exception {
    List<UpstreamHost> h = hosts(90, 6);
    RingHash ring = RingHash.build(h, 12, 8L << 20, false);
    assertThat(ring.size()).isEqualTo(12);
    assertThat(ring.choose(0, 0)).isSameAs(h.get(4));
    assertThat(ring.choose(-1L, 0)).isSameAs(h.get(4)); // 2^64 - 1 wraps to the first entry
    assertThat(ring.choose(u64("3551244743356806947"), 0)).isSameAs(h.get(5));
    assertThat(ring.choose(u64("3551244743356806948"), 0)).isSameAs(h.get(3));
    assertThat(ring.choose(u64("16117243373044804880"), 0)).isSameAs(h.get(0));
    // A retry avoiding the previous host takes the next ring entries (:94 then :92, :90 in Envoy's table).
    assertThat(ring.choose(0, 1)).isSameAs(h.get(2));
    assertThat(ring.choose(0, 2)).isSameAs(h.get(0));
    assertThat(ring.choose(0, 12)).isSameAs(h.get(4));
  }

  @Test
  void murmurRingMatchesEnvoysBasicWithMurmur2() throws Exception {
    List<UpstreamHost> h = hosts(80, 6);
    RingHash ring = RingHash.build(h, 12, 8L << 20, true);
    assertThat(ring.choose(0, 0)).isSameAs(h.get(5));
    assertThat(ring.choose(-1L, 0)).isSameAs(h.get(5));
    assertThat(ring.choose(u64("1358027074129602068"), 0)).isSameAs(h.get(5));
    assertThat(ring.choose(u64("1358027074129602069"), 0)).isSameAs(h.get(3));
    assertThat(ring.choose(u64("10150910876324007730"), 0)).isSameAs(h.get(2));
  }

  @Test
  void maglevMatchesEnvoysBasicTable() throws Exception {
    List<UpstreamHost> h = hosts(90, 6);
    MaglevTable table = MaglevTable.build(h, 7);
    int[] expected = {2, 4, 0, 1, 5, 0, 3};
    for (int i = 0; i < 3 * expected.length; i++) {
      assertThat(table.choose(i, 0)).as("hash %d", i).isSameAs(h.get(expected[i % expected.length]));
    }
    // A retry flips the hash: attempt 1 xors with 2^64 - 1, so hash 0 takes slot (2^64 - 1) % 7 = 1 (host :94).
    assertThat(table.choose(0, 1)).isSameAs(h.get(4));
  }

  /**
   * A departing host's keys spread over the others, and the others keep nearly all of theirs. Not all: the ring gives
   * each host ceil(minimum_ring_size / hosts) entries, so the survivors gain entries (342 -> 512 each here) that take
   * some keys from each other (about 12 %), as in Envoy; a modulo hash would move about half of them.
   */
  @Test
  void removingAHostMovesFewKeysOfTheOthers() throws Exception {
    List<UpstreamHost> h = hosts(9000, 3);
    for (boolean maglev : new boolean[] {false, true}) {
      HashBalancer before = maglev ? MaglevTable.build(h, 65537) : RingHash.build(h, 1024, 8L << 20, false);
      HashBalancer after = maglev ? MaglevTable.build(h.subList(0, 2), 65537) : RingHash.build(h.subList(0, 2), 1024, 8L << 20, false);
      int survivorsKeys = 0;
      int moved = 0;
      for (int k = 0; k < 3000; k++) {
        long key = XxHash64.hash("user-" + k);
        UpstreamHost was = before.choose(key, 0);
        UpstreamHost is = after.choose(key, 0);
        assertThat(is).isIn(h.get(0), h.get(1));
        if (was != h.get(2)) {
          survivorsKeys++;
          moved += is == was ? 0 : 1;
        }
      }
      assertThat(survivorsKeys).isBetween(1700, 2300);
      assertThat(moved).as("surviving hosts' keys that moved, maglev=%s", maglev).isLessThan(survivorsKeys * 15 / 100);
    }
  }

  /** With one entry per host before and after, a ring keeps every key of the hosts that stay. */
  @Test
  void ringWithStableEntriesMovesOnlyTheDepartedHostsKeys() throws Exception {
    List<UpstreamHost> h = hosts(9000, 3);
    RingHash before = RingHash.build(h, 1, 8L << 20, false);
    RingHash after = RingHash.build(h.subList(0, 2), 1, 8L << 20, false);
    for (int k = 0; k < 1000; k++) {
      long key = XxHash64.hash("user-" + k);
      UpstreamHost was = before.choose(key, 0);
      if (was != h.get(2)) {
        assertThat(after.choose(key, 0)).isSameAs(was);
      }
    }
  }

  @Test
  void weightsShareTheKeys() throws Exception {
    List<UpstreamHost> h = hosts(9100, 3);
    h.get(2).weight = 2; // half the keys
    for (HashBalancer b : List.of(RingHash.build(h, 1024, 8L << 20, false), (HashBalancer) MaglevTable.build(h, 65537))) {
      Map<UpstreamHost, Integer> count = new HashMap<>();
      for (int k = 0; k < 20000; k++) {
        count.merge(b.choose(XxHash64.hash("k" + k), 0), 1, Integer::sum);
      }
      assertThat(count.get(h.get(2))).as(b.getClass().getSimpleName()).isBetween(8500, 11500);
      assertThat(count.get(h.get(0))).isBetween(3500, 6500);
      assertThat(count.get(h.get(1))).isBetween(3500, 6500);
    }
  }

  @Test
  void ringSizeFollowsTheBounds() throws Exception {
    assertThat(RingHash.build(hosts(9200, 3), 1024, 8L << 20, false).size()).isEqualTo(1026); // ceil(1024/3) each
    assertThat(RingHash.build(hosts(9200, 3), 1024, 300, false).size()).isEqualTo(300);
  }
}

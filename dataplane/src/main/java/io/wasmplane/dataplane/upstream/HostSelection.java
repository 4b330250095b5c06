package io.wasmplane.dataplane.upstream;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The hosts the load balancer picks from, rebuilt whenever membership or a host's health changes and read lock-free by
 * every worker: the hosts grouped by priority, and Envoy's priority load ({@link PriorityLoad}) turned into a table
 * from a roll in [0, 100) to the hosts one request balances over (a level's healthy or degraded hosts, or all of them
 * when that level is in panic; with locality weighting, split by locality). Excluded hosts (new ones not yet checked,
 * with ignore_new_hosts_until_first_hc) do not count in the shares.
 */
final class HostSelection {
  /**
   * What one request balances over: hosts of one priority level, and the consistent-hash balancer built over them or,
   * with locality weighted balancing (not in panic), the picker of one of their localities; {@code picker}: the
   * weighted round robin or least request over {@code hosts} (null where the policy needs none).
   */
  record Candidates(int priority, List<UpstreamHost> hosts, boolean panic, HashBalancer hash, LocalityPicker localities,
      HostPicker picker) {}

  private static final Candidates NONE = new Candidates(0, List.of(), false, null, null, null);
  static final HostSelection EMPTY = new HostSelection(null, new Candidates[] {NONE}, 0, 0, 0, 0);

  /** The candidates when one level takes all the load (the common case); null otherwise. */
  private final Candidates single;
  /** Indexed by roll (0..99) when the load is split. */
  private final Candidates[] byRoll;
  private final int total;
  private final int healthy;
  private final int degraded;
  private final int excluded;

  private HostSelection(Candidates single, Candidates[] byRoll, int total, int healthy, int degraded, int excluded) {
    this.single = single;
    this.byRoll = byRoll;
    this.total = total;
    this.healthy = healthy;
    this.degraded = degraded;
    this.excluded = excluded;
  }

  /**
   * {@code hashing} builds a RING_HASH or MAGLEV balancer over a level's hosts (null for other policies): once per
   * host-set change and level, never per request. {@code localityWeighted}: common_lb_config.locality_weighted_lb_config.
   */
  static HostSelection of(List<UpstreamHost> all, int overprovisioningFactor, int panicThresholdPercent, boolean excludePending,
      boolean localityWeighted, Function<WeightedHosts, HashBalancer> hashing) {
    return of(all, overprovisioningFactor, panicThresholdPercent, excludePending, localityWeighted, hashing, hosts -> null);
  }

  /** {@code picking} builds the {@link HostPicker} over a host list (a level's, or a locality's), or null for none. */
  static HostSelection of(List<UpstreamHost> all, int overprovisioningFactor, int panicThresholdPercent, boolean excludePending,
      boolean localityWeighted, Function<WeightedHosts, HashBalancer> hashing, Function<List<UpstreamHost>, HostPicker> picking) {
    if (all.isEmpty()) {
      return EMPTY;
    }
    TreeMap<Integer, List<UpstreamHost>> byPriority = new TreeMap<>();
    for (UpstreamHost h : all) {
      byPriority.computeIfAbsent(h.priority(), p -> new ArrayList<>()).add(h);
    }
    List<Level> levels = new ArrayList<>(byPriority.size());
    byPriority.forEach((p, hosts) -> levels.add(Level.of(p, hosts, excludePending)));
    PriorityLoad load = PriorityLoad.of(levels.stream().map(Level::counts).toList(), overprovisioningFactor, panicThresholdPercent);

    Candidates[] healthyOf = new Candidates[levels.size()];
    Candidates[] degradedOf = new Candidates[levels.size()];
    for (int i = 0; i < levels.size(); i++) {
      Level l = levels.get(i);
      boolean panic = load.panic()[i];
      Localities localities = localityWeighted ? Localities.of(l.all) : null;
      List<UpstreamHost> hashed = panic ? l.all : !l.healthy.isEmpty() ? l.healthy : l.degraded;
      HashBalancer hb = hashing == null ? null
          : hashing.apply(localities == null ? WeightedHosts.flat(hashed) : localities.hashWeights(hashed));
      // Envoy ignores locality weights in panic (all hosts); hashing balancers weigh localities in their tables instead.
      boolean pickLocality = localities != null && !panic && hashing == null;
      List<UpstreamHost> healthy = panic ? l.all : l.healthy;
      List<UpstreamHost> degraded = panic ? l.all : l.degraded;
      HostPicker healthyPicker = picking.apply(healthy);
      healthyOf[i] = new Candidates(l.priority, healthy, panic, hb,
          pickLocality ? localities.picker(l.healthy, excludePending, overprovisioningFactor, picking) : null, healthyPicker);
      degradedOf[i] = new Candidates(l.priority, degraded, panic, hb,
          pickLocality ? localities.picker(l.degraded, excludePending, overprovisioningFactor, picking) : null,
          panic ? healthyPicker : picking.apply(degraded));
    }
    Candidates[] byRoll = new Candidates[100];
    int roll = fill(byRoll, 0, load.healthy(), healthyOf);
    roll = fill(byRoll, roll, load.degraded(), degradedOf);
    Arrays.fill(byRoll, roll, 100, NONE); // only if no level can take any load (and no panic)
    Candidates single = Arrays.stream(byRoll).allMatch(c -> c == byRoll[0]) ? byRoll[0] : null;
    int healthyCount = levels.stream().mapToInt(l -> l.healthy.size()).sum();
    int degradedCount = levels.stream().mapToInt(l -> l.degraded.size()).sum();
    int excludedCount = levels.stream().mapToInt(l -> l.excluded).sum();
    return new HostSelection(single, byRoll, all.size(), healthyCount, degradedCount, excludedCount);
  }

  private static int fill(Candidates[] byRoll, int from, int[] loads, Candidates[] candidates) {
    int at = from;
    for (int i = 0; i < loads.length; i++) {
      int end = Math.min(100, at + loads[i]);
      Arrays.fill(byRoll, at, end, candidates[i]);
      at = end;
    }
    return at;
  }

  /** The candidates for one request; {@code roll} (0..99) picks the priority level and health by their load shares. */
  Candidates choose(int roll) {
    return single != null ? single : byRoll[roll];
  }

  /** Whether one level takes all the load, so no roll is needed. */
  boolean singleLevel() {
    return single != null;
  }

  int total() {
    return total;
  }

  int healthy() {
    return healthy;
  }

  int degraded() {
    return degraded;
  }

  int excluded() {
    return excluded;
  }

  /** One priority level's hosts sorted by health. */
  private record Level(int priority, List<UpstreamHost> all, List<UpstreamHost> healthy, List<UpstreamHost> degraded, int excluded) {
    static Level of(int priority, List<UpstreamHost> all, boolean excludePending) {
      List<UpstreamHost> healthy = new ArrayList<>(all.size());
      List<UpstreamHost> degraded = new ArrayList<>();
      int excluded = 0;
      for (UpstreamHost h : all) {
        if (excludePending && h.health().has(HostHealth.PENDING_ACTIVE_HC)) {
          excluded++;
        } else if (h.health().degraded()) {
          degraded.add(h);
        } else if (h.health().healthy()) {
          healthy.add(h);
        }
      }
      List<UpstreamHost> allCopy = List.copyOf(all);
      return new Level(priority, allCopy, healthy.size() == all.size() ? allCopy : List.copyOf(healthy), List.copyOf(degraded), excluded);
    }

    PriorityLoad.Counts counts() {
      return new PriorityLoad.Counts(all.size(), excluded, healthy.size(), degraded.size());
    }
  }
}

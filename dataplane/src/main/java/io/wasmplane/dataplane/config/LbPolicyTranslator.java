package io.wasmplane.dataplane.config;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import io.envoyproxy.envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest;
import io.envoyproxy.envoy.extensions.load_balancing_policies.random.v3.Random;
import io.envoyproxy.envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin;
import io.envoyproxy.envoy.extensions.load_balancing_policies.common.v3.SlowStartConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * A cluster's {@code lb_policy} with {@code ring_hash_lb_config} / {@code maglev_lb_config} /
 * {@code least_request_lb_config} / {@code round_robin_lb_config}, or its {@code load_balancing_policy} extension
 * (round_robin, least_request, random), validated as Envoy does. Envoy uses {@code load_balancing_policy} when set and
 * then ignores {@code lb_policy} and the legacy per-policy configs.
 */
final class LbPolicyTranslator {
  /** Envoy's bound (PGV) on both ring sizes. */
  static final long MAX_RING_SIZE = 8L * 1024 * 1024;
  /** Envoy's bound (PGV) on the Maglev table size. */
  static final long MAX_TABLE_SIZE = 5_000_011;

  private LbPolicyTranslator() {}

  static ClusterConfig.LbPolicy policy(Cluster c, String where) {
    Optional<Any> extension = extension(c, where);
    if (extension.isPresent()) {
      Any a = extension.get();
      if (is(a, RoundRobin.class)) {
        RoundRobin rr = BootstrapTranslator.unpack(a, RoundRobin.class, where + POLICY);
        FieldGuard.onlySupported(rr, where + POLICY, Set.of("locality_lb_config", "slow_start_config"));
        return ClusterConfig.LbPolicy.ROUND_ROBIN;
      }
      if (is(a, Random.class)) {
        FieldGuard.onlySupported(BootstrapTranslator.unpack(a, Random.class, where + POLICY), where + POLICY, Set.of());
        return ClusterConfig.LbPolicy.RANDOM;
      }
      return ClusterConfig.LbPolicy.LEAST_REQUEST; // extension() refuses any other type
    }
    if (c.hasRoundRobinLbConfig()) {
      FieldGuard.onlySupported(c.getRoundRobinLbConfig(), where + ".round_robin_lb_config", Set.of("slow_start_config"));
    }
    return switch (c.getLbPolicy()) {
      case ROUND_ROBIN -> ClusterConfig.LbPolicy.ROUND_ROBIN;
      case LEAST_REQUEST -> ClusterConfig.LbPolicy.LEAST_REQUEST;
      case RANDOM -> ClusterConfig.LbPolicy.RANDOM;
      case RING_HASH -> ClusterConfig.LbPolicy.RING_HASH;
      case MAGLEV -> ClusterConfig.LbPolicy.MAGLEV;
      default -> throw new ConfigException(where + ".lb_policy: " + c.getLbPolicy()
          + " is not supported (ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV)");
    };
  }

  /** The hashing balancers' settings; Envoy ignores the config of a policy the cluster does not use, so do we. */
  static ClusterConfig.HashLbConfig hashLb(Cluster c, String where) {
    ClusterConfig.HashLbConfig d = ClusterConfig.HashLbConfig.DEFAULT;
    long min = d.minRingSize();
    long max = d.maxRingSize();
    boolean murmur = false;
    long table = d.maglevTableSize();
    if (c.hasRingHashLbConfig()) {
      String w = where + ".ring_hash_lb_config";
      var r = c.getRingHashLbConfig();
      FieldGuard.onlySupported(r, w, Set.of("minimum_ring_size", "maximum_ring_size", "hash_function"));
      min = r.hasMinimumRingSize() ? r.getMinimumRingSize().getValue() : min;
      max = r.hasMaximumRingSize() ? r.getMaximumRingSize().getValue() : max;
      if (Long.compareUnsigned(min, MAX_RING_SIZE) > 0 || min < 1) {
        throw new ConfigException(w + ".minimum_ring_size: " + Long.toUnsignedString(min) + " is not in 1.." + MAX_RING_SIZE);
      }
      if (Long.compareUnsigned(max, MAX_RING_SIZE) > 0 || max < 1) {
        throw new ConfigException(w + ".maximum_ring_size: " + Long.toUnsignedString(max) + " is not in 1.." + MAX_RING_SIZE);
      }
      if (min > max) {
        throw new ConfigException(w + ": minimum_ring_size (" + min + ") > maximum_ring_size (" + max + ")");
      }
      murmur = switch (r.getHashFunction()) {
        case XX_HASH -> false;
        case MURMUR_HASH_2 -> true;
        default -> throw new ConfigException(w + ".hash_function: unknown value " + r.getHashFunctionValue());
      };
    }
    if (c.hasMaglevLbConfig()) {
      String w = where + ".maglev_lb_config";
      var m = c.getMaglevLbConfig();
      FieldGuard.onlySupported(m, w, Set.of("table_size"));
      if (m.hasTableSize()) {
        table = m.getTableSize().getValue();
        if (table < 2 || table > MAX_TABLE_SIZE || !java.math.BigInteger.valueOf(table).isProbablePrime(30)) {
          throw new ConfigException(w + ".table_size: " + Long.toUnsignedString(table) + " must be a prime number up to "
              + MAX_TABLE_SIZE);
        }
      }
    }
    return new ClusterConfig.HashLbConfig(min, max, murmur, table);
  }

  private static final String POLICY = ".load_balancing_policy.policies[0].typed_extension_config.typed_config";

  /**
   * LEAST_REQUEST's choice_count (at least 2) and active_request_bias (at least 0; its default_value, as there is no
   * runtime layer) from the least_request policy extension or the legacy least_request_lb_config; Envoy's defaults
   * otherwise.
   */
  static ClusterConfig.LeastRequestLbConfig leastRequest(Cluster c, String where) {
    Optional<Any> extension = extension(c, where);
    if (extension.isPresent()) {
      if (!is(extension.get(), LeastRequest.class)) {
        return ClusterConfig.LeastRequestLbConfig.DEFAULT;
      }
      LeastRequest lr = BootstrapTranslator.unpack(extension.get(), LeastRequest.class, where + POLICY);
      FieldGuard.onlySupported(lr, where + POLICY, Set.of("choice_count", "active_request_bias", "selection_method", "enable_full_scan",
          "locality_lb_config", "slow_start_config"));
      if (lr.getSelectionMethod() != LeastRequest.SelectionMethod.N_CHOICES || lr.getEnableFullScan().getValue()) {
        throw new ConfigException(where + POLICY + ": selection_method FULL_SCAN (or enable_full_scan) is not supported (N_CHOICES)");
      }
      return leastRequest(lr.hasChoiceCount() ? lr.getChoiceCount().getValue() : null,
          lr.hasActiveRequestBias() ? lr.getActiveRequestBias() : null, where + POLICY);
    }
    if (!c.hasLeastRequestLbConfig()) {
      return ClusterConfig.LeastRequestLbConfig.DEFAULT;
    }
    String w = where + ".least_request_lb_config";
    var lr = c.getLeastRequestLbConfig();
    FieldGuard.onlySupported(lr, w, Set.of("choice_count", "active_request_bias", "slow_start_config"));
    return leastRequest(lr.hasChoiceCount() ? lr.getChoiceCount().getValue() : null,
        lr.hasActiveRequestBias() ? lr.getActiveRequestBias() : null, w);
  }

  /**
   * The slow_start_config of the policy the cluster uses: the round_robin or least_request extension's, else
   * round_robin_lb_config's (ROUND_ROBIN) or least_request_lb_config's (LEAST_REQUEST); Envoy ignores the config of
   * a policy the cluster does not use, so do we. {@link ClusterConfig.SlowStartConfig#NONE} without one.
   */
  static ClusterConfig.SlowStartConfig slowStart(Cluster c, String where) {
    Optional<Any> extension = extension(c, where);
    if (extension.isPresent()) {
      Any a = extension.get();
      if (is(a, RoundRobin.class)) {
        RoundRobin rr = BootstrapTranslator.unpack(a, RoundRobin.class, where + POLICY);
        return rr.hasSlowStartConfig() ? slowStart(rr.getSlowStartConfig(), where + POLICY + ".slow_start_config")
            : ClusterConfig.SlowStartConfig.NONE;
      }
      if (is(a, LeastRequest.class)) {
        LeastRequest lr = BootstrapTranslator.unpack(a, LeastRequest.class, where + POLICY);
        return lr.hasSlowStartConfig() ? slowStart(lr.getSlowStartConfig(), where + POLICY + ".slow_start_config")
            : ClusterConfig.SlowStartConfig.NONE;
      }
      return ClusterConfig.SlowStartConfig.NONE;
    }
    if (c.getLbPolicy() == Cluster.LbPolicy.ROUND_ROBIN && c.getRoundRobinLbConfig().hasSlowStartConfig()) {
      return slowStart(c.getRoundRobinLbConfig().getSlowStartConfig(), where + ".round_robin_lb_config.slow_start_config");
    }
    if (c.getLbPolicy() == Cluster.LbPolicy.LEAST_REQUEST && c.getLeastRequestLbConfig().hasSlowStartConfig()) {
      return slowStart(c.getLeastRequestLbConfig().getSlowStartConfig(), where + ".least_request_lb_config.slow_start_config");
    }
    return ClusterConfig.SlowStartConfig.NONE;
  }

  /** The legacy Cluster.SlowStartConfig: the same fields as the extensions' SlowStartConfig. */
  private static ClusterConfig.SlowStartConfig slowStart(Cluster.SlowStartConfig s, String where) {
    return slowStart(s.hasSlowStartWindow() ? s.getSlowStartWindow() : null, s.hasAggression() ? s.getAggression() : null,
        s.hasMinWeightPercent() ? s.getMinWeightPercent().getValue() : null, where);
  }

  private static ClusterConfig.SlowStartConfig slowStart(SlowStartConfig s, String where) {
    return slowStart(s.hasSlowStartWindow() ? s.getSlowStartWindow() : null, s.hasAggression() ? s.getAggression() : null,
        s.hasMinWeightPercent() ? s.getMinWeightPercent().getValue() : null, where);
  }

  /**
   * Envoy's rules: an unset or zero slow_start_window turns slow start off; aggression is its default_value (no
   * runtime layer; Envoy's default 1.0) and must be a finite number above 0 (Envoy logs and falls back to 1.0 at run
   * time; refused here, as a config error); min_weight_percent is 0..100 (PGV), 10 by default.
   */
  private static ClusterConfig.SlowStartConfig slowStart(com.google.protobuf.Duration window, RuntimeDouble aggression, Double minPercent,
      String where) {
    ClusterConfig.SlowStartConfig d = ClusterConfig.SlowStartConfig.NONE;
    Duration w = Duration.ZERO;
    if (window != null) {
      if (window.getSeconds() < 0 || window.getNanos() < 0) {
        throw new ConfigException(where + ".slow_start_window: must not be negative");
      }
      w = Duration.ofSeconds(window.getSeconds(), window.getNanos());
    }
    double a = d.aggression();
    if (aggression != null) {
      a = aggression.getDefaultValue(); // runtime_key: accepted, no runtime layer
      if (!(a > 0) || Double.isInfinite(a)) {
        throw new ConfigException(where + ".aggression.default_value: " + a + " must be a finite number > 0");
      }
    }
    double min = d.minWeightPercent();
    if (minPercent != null) {
      min = minPercent;
      if (!(min >= 0 && min <= 100)) {
        throw new ConfigException(where + ".min_weight_percent: " + min + " is not in 0..100");
      }
    }
    return new ClusterConfig.SlowStartConfig(w, a, min);
  }

  /**
   * Whether the round_robin or least_request policy extension asks for locality weighted balancing
   * ({@code locality_lb_config.locality_weighted_lb_config}, the extensions' form of common_lb_config's);
   * zone aware routing is refused.
   */
  static boolean extensionLocalityWeighted(Cluster c, String where) {
    Optional<Any> extension = extension(c, where);
    if (extension.isEmpty() || is(extension.get(), Random.class)) {
      return false;
    }
    Any a = extension.get();
    var l = is(a, RoundRobin.class) ? BootstrapTranslator.unpack(a, RoundRobin.class, where + POLICY).getLocalityLbConfig()
        : BootstrapTranslator.unpack(a, LeastRequest.class, where + POLICY).getLocalityLbConfig();
    FieldGuard.onlySupported(l, where + POLICY + ".locality_lb_config", Set.of("locality_weighted_lb_config"));
    if (l.hasLocalityWeightedLbConfig()) {
      FieldGuard.onlySupported(l.getLocalityWeightedLbConfig(), where + POLICY + ".locality_lb_config.locality_weighted_lb_config", Set.of());
      return true;
    }
    return false;
  }

  private static ClusterConfig.LeastRequestLbConfig leastRequest(Integer choiceCount, RuntimeDouble bias, String where) {
    ClusterConfig.LeastRequestLbConfig d = ClusterConfig.LeastRequestLbConfig.DEFAULT;
    int choices = d.choiceCount();
    if (choiceCount != null) {
      if (Integer.toUnsignedLong(choiceCount) < 2) {
        throw new ConfigException(where + ".choice_count: " + Integer.toUnsignedString(choiceCount) + " must be at least 2");
      }
      choices = (int) Math.min(Integer.toUnsignedLong(choiceCount), Integer.MAX_VALUE);
    }
    double activeRequestBias = d.activeRequestBias();
    if (bias != null) {
      activeRequestBias = bias.getDefaultValue(); // runtime_key: accepted, no runtime layer
      if (!(activeRequestBias >= 0) || Double.isInfinite(activeRequestBias)) {
        throw new ConfigException(where + ".active_request_bias.default_value: " + activeRequestBias + " must be a finite number >= 0");
      }
    }
    return new ClusterConfig.LeastRequestLbConfig(choices, activeRequestBias);
  }

  /**
   * The typed_config of load_balancing_policy's first policy, empty without the field. Envoy takes the first policy
   * it knows; every policy Envoy knows changes the balancing, so one not implemented here is refused rather than
   * skipped.
   */
  private static Optional<Any> extension(Cluster c, String where) {
    if (!c.hasLoadBalancingPolicy()) {
      return Optional.empty();
    }
    String w = where + ".load_balancing_policy";
    FieldGuard.onlySupported(c.getLoadBalancingPolicy(), w, Set.of("policies"));
    if (c.getLoadBalancingPolicy().getPoliciesCount() == 0) {
      throw new ConfigException(w + ".policies: at least one policy is required");
    }
    var policy = c.getLoadBalancingPolicy().getPolicies(0);
    FieldGuard.onlySupported(policy, w + ".policies[0]", Set.of("typed_extension_config"));
    Any a = policy.getTypedExtensionConfig().getTypedConfig();
    if (!is(a, RoundRobin.class) && !is(a, LeastRequest.class) && !is(a, Random.class)) {
      throw new ConfigException(w + ".policies[0].typed_extension_config: unsupported policy '" + policy.getTypedExtensionConfig().getName()
          + "' (type " + (a.getTypeUrl().isEmpty() ? "<none>" : a.getTypeUrl()) + "); supported: "
          + "envoy.load_balancing_policies.round_robin, envoy.load_balancing_policies.least_request, envoy.load_balancing_policies.random");
    }
    return Optional.of(a);
  }

  private static boolean is(Any a, Class<? extends com.google.protobuf.Message> type) {
    return a.is(type);
  }
}

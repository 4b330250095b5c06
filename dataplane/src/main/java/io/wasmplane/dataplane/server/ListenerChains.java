package io.wasmplane.dataplane.server;

import io.wasmplane.dataplane.config.ChainSelection;
import io.wasmplane.dataplane.config.ConnectionFacts;
import io.wasmplane.dataplane.config.ListenerConfig;
import io.wasmplane.dataplane.listener.ListenerFilterStats;
import io.wasmplane.dataplane.stats.Counter;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * A bound listener's running filter chains ({@code filter_chains} in order, then the default chain) and the choice of
 * one per connection. Immutable: an LDS update installs a new one, reusing the runtimes of chains it did not change.
 */
final class ListenerChains {
  private final ListenerConfig config;
  private final ChainSelection selector;
  private final List<ListenerRuntime> runtimes;
  private final List<DownstreamInitializer> initializers;
  private final DownstreamInitializer defaultChain;
  private volatile Counter noFilterChainMatch;
  private volatile ListenerFilterStats filterStats;
  private final ListenerAccessLog accessLog;

  /** {@code runtimes} is aligned with {@link ListenerConfig#chains()}. */
  ListenerChains(ListenerConfig config, List<ListenerRuntime> runtimes, ConnectionTracker tracker, StatsRegistry stats,
      ListenerAccessLog accessLog) {
    this.config = config;
    this.accessLog = accessLog;
    this.runtimes = List.copyOf(runtimes);
    this.selector = config.chainSelection();
    List<DownstreamInitializer> inits = new ArrayList<>();
    for (ListenerRuntime rt : runtimes) {
      inits.add(new DownstreamInitializer(rt, tracker));
    }
    this.initializers = List.copyOf(inits);
    this.defaultChain = config.defaultChain().isPresent() ? inits.get(inits.size() - 1) : null;
    useStatScope(config.statScope(), stats);
  }

  /** Envoy names listener stats by address; with port 0 the real port is known only after binding. */
  void useStatScope(String scope, StatsRegistry stats) {
    runtimes.forEach(r -> r.useStatScope(scope, stats));
    noFilterChainMatch = stats.counter(scope + ".no_filter_chain_match");
    filterStats = new ListenerFilterStats(scope, stats, config.listenerFilters());
  }

  ListenerConfig config() {
    return config;
  }

  /** The chain for a connection, or null when none matches and there is no default chain. */
  DownstreamInitializer select(ConnectionFacts facts) {
    int i = selector.select(facts);
    return i >= 0 ? initializers.get(i) : defaultChain;
  }

  /** Envoy's listener.<address>.no_filter_chain_match. */
  Counter noFilterChainMatch() {
    return noFilterChainMatch;
  }

  /** The listener's own access_log, for connections no chain took. */
  ListenerAccessLog accessLog() {
    return accessLog;
  }

  ListenerFilterStats filterStats() {
    return filterStats;
  }

  /** Every chain's runtime, aligned with {@link ListenerConfig#chains()}. */
  List<ListenerRuntime> runtimes() {
    return runtimes;
  }

  /** The first chain (the only one of most listeners). */
  ListenerRuntime first() {
    return runtimes.get(0);
  }
}

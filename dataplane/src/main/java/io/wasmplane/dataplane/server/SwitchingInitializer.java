package io.wasmplane.dataplane.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.wasmplane.dataplane.config.ConnectionFacts;
import io.wasmplane.dataplane.config.ListenerFiltersConfig;
import io.wasmplane.dataplane.http.ResponseFlag;
import io.wasmplane.dataplane.listener.ListenerFilterHandler;
import io.wasmplane.dataplane.network.ConnectionInfo;

/**
 * A bound socket's child handler: picks each new connection's filter chain (after the listener filters, if any) and
 * builds its pipeline. Its chains can change (LDS update on the same address): new connections only. With
 * {@code use_original_dst}, a connection whose destination was restored goes to the listener for that destination
 * ({@link OriginalDstListeners}), whose own listener filters then run, as Envoy hands it off.
 */
@ChannelHandler.Sharable
public final class SwitchingInitializer extends ChannelInitializer<SocketChannel> {
  private final ConnectionTracker tracker;
  private final OriginalDstListeners handoff;
  private volatile ListenerChains current;

  SwitchingInitializer(ListenerChains first, ConnectionTracker tracker, OriginalDstListeners handoff) {
    this.current = first;
    this.tracker = tracker;
    this.handoff = handoff;
  }

  void use(ListenerChains next) {
    current = next;
  }

  ListenerChains current() {
    return current;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    accept(ch, true);
  }

  /** Runs this listener's filters (if any) and then installs a chain; {@code mayHandOff} false for a handed-off one. */
  private boolean accept(Channel ch, boolean mayHandOff) {
    ListenerChains chains = current;
    // filter_disabled sees the destination port (a handed-off connection's restored one).
    ListenerFiltersConfig filters = chains.config().listenerFilters().forPort(ConnectionInfo.local(ch).getPort());
    if (filters.any()) {
      tracker.add(ch); // drain and shutdown see it while it is inspected
      // Behind a previous listener's filter handler (hand-off): that one replays what it read to this one.
      ch.pipeline().addLast(mayHandOff ? "listener-filters" : "listener-filters-handoff",
          new ListenerFilterHandler(filters, chains.filterStats(), (c, facts) -> install(c, facts, chains, mayHandOff),
              c -> chains.accessLog().log(c, null)));
      return true;
    }
    return install(ch, ConnectionFacts.of(ConnectionInfo.local(ch), ConnectionInfo.remote(ch)), chains, mayHandOff);
  }

  /**
   * Envoy hands a connection off when the listener uses the original destination, a listener filter restored that
   * destination (original_dst always does; proxy_protocol when its header carried addresses), and another listener
   * has it. The target then gets the connection as if it had accepted it, but never hands it on again.
   */
  private SwitchingInitializer handOffTarget(Channel ch, ListenerChains chains) {
    var config = chains.config();
    if (!config.useOriginalDst()
        || !(config.listenerFilters().originalDst() || ch.attr(ConnectionInfo.RESTORED_LOCAL).get() != null)) {
      return null;
    }
    SwitchingInitializer target = handoff.find(ConnectionInfo.local(ch));
    return target == this ? null : target;
  }

  /**
   * Sets up the connection on the chain its facts select. The chain read may be retired by an update at the same
   * moment; then the update has already installed its successor, so select again there. No matching chain (and no
   * default chain), or a listener that is gone entirely, closes the connection.
   */
  private boolean install(Channel ch, ConnectionFacts facts, ListenerChains first, boolean mayHandOff) {
    SwitchingInitializer target = mayHandOff ? handOffTarget(ch, first) : null;
    if (target != null) {
      return target.accept(ch, false);
    }
    ListenerChains chains = first;
    for (int attempt = 0; attempt < 8; attempt++, chains = current) {
      DownstreamInitializer d = chains.select(facts);
      if (d == null) {
        chains.noFilterChainMatch().inc();
        chains.accessLog().log(ch, ResponseFlag.NO_ROUTE_FOUND);
        ch.close();
        return false;
      }
      if (d.listener().enter()) {
        try {
          d.initChannel((SocketChannel) ch);
        } finally {
          d.listener().exit();
        }
        return true;
      }
    }
    ch.close();
    return false;
  }
}

package io.wasmplane.dataplane.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.wasmplane.dataplane.config.ConnectionFacts;
import io.wasmplane.dataplane.config.ListenerFiltersConfig;
import io.wasmplane.dataplane.listener.ListenerFilterHandler;
import java.net.InetSocketAddress;

/**
 * A bound socket's child handler: picks each new connection's filter chain (after the listener filters, if any) and
 * builds its pipeline. Its chains can change (LDS update on the same address): new connections only.
 */
@ChannelHandler.Sharable
public final class SwitchingInitializer extends ChannelInitializer<SocketChannel> {
  private final ConnectionTracker tracker;
  private volatile ListenerChains current;

  SwitchingInitializer(ListenerChains first, ConnectionTracker tracker) {
    this.current = first;
    this.tracker = tracker;
  }

  void use(ListenerChains next) {
    current = next;
  }

  ListenerChains current() {
    return current;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ListenerChains chains = current;
    ListenerFiltersConfig filters = chains.config().listenerFilters().forPort(ch.localAddress().getPort());
    if (filters.any()) {
      tracker.add(ch); // drain and shutdown see it while it is inspected
      ch.pipeline().addLast("listener-filters", new ListenerFilterHandler(filters, chains.filterStats(),
          (c, facts) -> install(c, facts, chains)));
      return;
    }
    install(ch, ConnectionFacts.of((InetSocketAddress) ch.localAddress(), (InetSocketAddress) ch.remoteAddress()), chains);
  }

  /**
   * Sets up the connection on the chain its facts select. The chain read may be retired by an update at the same
   * moment; then the update has already installed its successor, so select again there. No matching chain (and no
   * default chain), or a listener that is gone entirely, closes the connection.
   */
  private boolean install(Channel ch, ConnectionFacts facts, ListenerChains first) {
    ListenerChains chains = first;
    for (int attempt = 0; attempt < 8; attempt++, chains = current) {
      DownstreamInitializer d = chains.select(facts);
      if (d == null) {
        chains.noFilterChainMatch().inc();
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

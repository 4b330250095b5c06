package io.wasmplane.dataplane.filters.rbac;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.wasmplane.dataplane.network.ConnectionInfo;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * envoy.filters.network.rbac on one connection: its first bytes (after TLS, so the peer certificate is known) decide;
 * a denied connection is closed without passing them on, an allowed one passes everything through from then on.
 */
final class RbacNetworkFilter extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(RbacNetworkFilter.class);

  private enum State { UNDECIDED, ALLOWED, DENIED }

  private final RbacNetworkConfig config;
  private final RbacStats stats;
  private State state = State.UNDECIDED;

  RbacNetworkFilter(RbacNetworkConfig config, RbacStats stats) {
    this.config = config;
    this.stats = stats;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (state == State.UNDECIDED) {
      state = decide(ctx.channel()) ? State.ALLOWED : State.DENIED;
      if (state == State.DENIED) {
        ctx.close();
      }
    }
    if (state == State.DENIED) {
      ReferenceCountUtil.release(msg);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  private boolean decide(Channel ch) {
    RbacInput in = new RbacInput(null, ConnectionInfo.local(ch), ConnectionInfo.remote(ch), (InetSocketAddress) ch.remoteAddress(),
        ch.attr(ConnectionInfo.TLS_SESSION).get(), null);
    RbacEngine.Decision d = stats.evaluate(config.rules(), config.shadowRules(), in);
    if (d != null && !d.allowed()) {
      log.debug("event=rbac_connection_denied connection={} details={}", ch.attr(ConnectionInfo.ID).get(), d.details());
      ch.attr(ConnectionInfo.TERMINATION_DETAILS).set(d.details());
      return false;
    }
    return true;
  }
}

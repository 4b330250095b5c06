package io.wasmplane.dataplane.filters.ratelimit;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.wasmplane.dataplane.network.ConnectionInfo;
import io.wasmplane.dataplane.stats.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * envoy.filters.network.local_ratelimit on one connection: when the connection starts (Envoy's onNewConnection, after
 * the listener filters), it takes a token or is closed without going further: the filters after it, the HCM or the
 * TCP proxy (which would connect upstream) never see it.
 */
final class LocalRateLimitNetworkFilter extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(LocalRateLimitNetworkFilter.class);

  private final LocalRateLimitNetworkConfig config;
  private final Counter rateLimited;
  private boolean limited;

  LocalRateLimitNetworkFilter(LocalRateLimitNetworkConfig config, Counter rateLimited) {
    this.config = config;
    this.rateLimited = rateLimited;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (config.enabled() && !config.bucket().tryConsume()) {
      limited = true;
      rateLimited.inc();
      log.debug("event=connection_rate_limited connection={} stat_prefix={}", ctx.channel().attr(ConnectionInfo.ID).get(),
          config.statPrefix());
      ctx.close();
      return;
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (limited) {
      ReferenceCountUtil.release(msg);
      return;
    }
    ctx.fireChannelRead(msg);
  }
}

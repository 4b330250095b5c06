package io.wasmplane.dataplane.network;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A network filter whose ECDS config has not arrived (and has no default): Envoy closes such connections. */
final class MissingConfigFilter extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(MissingConfigFilter.class);
  private final String name;
  private final io.wasmplane.dataplane.stats.Counter missing;

  MissingConfigFilter(String name, io.wasmplane.dataplane.stats.Counter missing) {
    this.name = name;
    this.missing = missing;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    missing.inc();
    log.debug("event=ecds_missing_config network_filter={}", name);
    ctx.close();
  }
}

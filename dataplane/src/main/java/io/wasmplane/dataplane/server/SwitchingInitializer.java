package io.wasmplane.dataplane.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;

/** A bound socket's child handler whose target can change (LDS update on the same address): new connections only. */
@ChannelHandler.Sharable
public final class SwitchingInitializer extends ChannelInitializer<SocketChannel> {
  private volatile DownstreamInitializer current;

  SwitchingInitializer(DownstreamInitializer first) {
    this.current = first;
  }

  void use(DownstreamInitializer next) {
    current = next;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    current.initChannel(ch);
  }
}

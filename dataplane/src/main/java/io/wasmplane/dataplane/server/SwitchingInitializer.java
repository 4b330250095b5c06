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

  /**
   * The runtime read here may be retired by an update at the same moment; then the update has already installed its
   * successor, so read again. A listener that is gone entirely closes the connection.
   */
  @Override
  protected void initChannel(SocketChannel ch) {
    for (int attempt = 0; attempt < 8; attempt++) {
      DownstreamInitializer d = current;
      if (d.listener().enter()) {
        try {
          d.initChannel(ch);
        } finally {
          d.listener().exit();
        }
        return;
      }
    }
    ch.close();
  }
}

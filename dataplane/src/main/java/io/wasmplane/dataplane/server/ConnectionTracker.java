package io.wasmplane.dataplane.server;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

/** Every open downstream connection, so drain and shutdown can find them. */
public final class ConnectionTracker {
  private final ChannelGroup channels = new DefaultChannelGroup("downstream", GlobalEventExecutor.INSTANCE);

  void add(Channel ch) {
    channels.add(ch);
  }

  public int size() {
    return channels.size();
  }

  public ChannelGroup channels() {
    return channels;
  }
}

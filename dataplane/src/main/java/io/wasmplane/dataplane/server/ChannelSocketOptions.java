package io.wasmplane.dataplane.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import io.wasmplane.dataplane.config.SocketOptionSpec;
import java.util.List;

/**
 * Puts configured socket options on Netty bootstraps, as the channel options of the transport in use (epoll's own
 * keepalive options, or the JDK's extended socket options on NIO). Set after our defaults, so they override them.
 */
public final class ChannelSocketOptions {
  private ChannelSocketOptions() {}

  /** Options for an upstream connection: all set before connect, whatever their state. */
  public static void upstream(Bootstrap b, List<SocketOptionSpec> options, Transport transport) {
    for (SocketOptionSpec o : options) {
      set(b, channelOption(o.name(), transport), value(o));
    }
  }

  /**
   * Options for a listener. SO_REUSEADDR and SO_RCVBUF go on the listening socket before bind (SO_RCVBUF there sizes the
   * TCP window of accepted connections); Netty's server channels take no others, so those go on each accepted
   * connection, which on Linux has the same effect as setting them on the listening socket at any state (accepted
   * sockets inherit them).
   */
  public static void listener(ServerBootstrap b, List<SocketOptionSpec> options, Transport transport) {
    for (SocketOptionSpec o : options) {
      if (o.name() == SocketOptionSpec.Name.SO_REUSEADDR || o.name() == SocketOptionSpec.Name.SO_RCVBUF) {
        set(b, channelOption(o.name(), transport), value(o));
      } else {
        setChild(b, channelOption(o.name(), transport), value(o));
      }
    }
  }

  /**
   * An update that keeps a listener's socket keeps the options it was bound with (Netty fixes them at bind): refuse
   * one that changes them rather than silently not applying it.
   */
  static void requireUnchanged(io.wasmplane.dataplane.config.ListenerConfig running,
      io.wasmplane.dataplane.config.ListenerConfig next) {
    if (!running.socketOptions().equals(next.socketOptions())) {
      throw new io.wasmplane.dataplane.config.ConfigException("listener " + next.name()
          + ".socket_options: cannot change on a bound listener (running " + running.socketOptions() + ")");
    }
  }

  private static Object value(SocketOptionSpec o) {
    return o.name().flag() ? (Object) (o.value() != 0) : (Object) o.value();
  }

  @SuppressWarnings("unchecked")
  private static void set(io.netty.bootstrap.AbstractBootstrap<?, ?> b, ChannelOption<?> option, Object value) {
    b.option((ChannelOption<Object>) option, value);
  }

  @SuppressWarnings("unchecked")
  private static void setChild(ServerBootstrap b, ChannelOption<?> option, Object value) {
    b.childOption((ChannelOption<Object>) option, value);
  }

  static ChannelOption<?> channelOption(SocketOptionSpec.Name name, Transport transport) {
    boolean epoll = transport.name().equals("epoll");
    return switch (name) {
      case SO_REUSEADDR -> ChannelOption.SO_REUSEADDR;
      case SO_SNDBUF -> ChannelOption.SO_SNDBUF;
      case SO_RCVBUF -> ChannelOption.SO_RCVBUF;
      case SO_KEEPALIVE -> ChannelOption.SO_KEEPALIVE;
      case TCP_NODELAY -> ChannelOption.TCP_NODELAY;
      case TCP_KEEPIDLE -> epoll ? EpollChannelOption.TCP_KEEPIDLE : NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE);
      case TCP_KEEPINTVL -> epoll ? EpollChannelOption.TCP_KEEPINTVL
          : NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL);
      case TCP_KEEPCNT -> epoll ? EpollChannelOption.TCP_KEEPCNT : NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT);
    };
  }
}

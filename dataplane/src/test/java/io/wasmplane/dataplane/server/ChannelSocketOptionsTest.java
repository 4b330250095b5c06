package io.wasmplane.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.wasmplane.dataplane.config.SocketOptionSpec;
import io.wasmplane.dataplane.config.SocketOptionSpec.Name;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each supported option, set on a real loopback connection with either transport, reads back from the socket
 * (getsockopt through epoll's or the JDK's channel options).
 */
@Timeout(30)
class ChannelSocketOptionsTest {
  private static final List<SocketOptionSpec> OPTIONS = List.of(
      new SocketOptionSpec(Name.SO_KEEPALIVE, 1, SocketOptionSpec.State.PREBIND),
      new SocketOptionSpec(Name.TCP_KEEPIDLE, 11, SocketOptionSpec.State.PREBIND),
      new SocketOptionSpec(Name.TCP_KEEPINTVL, 4, SocketOptionSpec.State.PREBIND),
      new SocketOptionSpec(Name.TCP_KEEPCNT, 3, SocketOptionSpec.State.PREBIND),
      new SocketOptionSpec(Name.TCP_NODELAY, 0, SocketOptionSpec.State.PREBIND)); // overrides our default (on)

  @Test
  void nio() throws Exception {
    readBack(new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class));
  }

  @Test
  void epoll() throws Exception {
    Transport best = Transport.best();
    assumeTrue(best.name().equals("epoll"), "epoll transport not usable here");
    readBack(new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class));
  }

  private static void readBack(Transport transport) throws Exception {
    EventLoopGroup group = transport.newGroup(1, "sockopt-test");
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Bootstrap b = new Bootstrap().group(group).channel(transport.channel())
          .option(io.netty.channel.ChannelOption.TCP_NODELAY, true).handler(new ChannelInboundHandlerAdapter());
      ChannelSocketOptions.upstream(b, OPTIONS, transport);
      Channel ch = b.connect(server.getLocalSocketAddress()).sync().channel();
      try {
        assertThat(ch.config().getOption(ChannelSocketOptions.channelOption(Name.SO_KEEPALIVE, transport))).isEqualTo(true);
        assertThat(ch.config().getOption(ChannelSocketOptions.channelOption(Name.TCP_KEEPIDLE, transport))).isEqualTo(11);
        assertThat(ch.config().getOption(ChannelSocketOptions.channelOption(Name.TCP_KEEPINTVL, transport))).isEqualTo(4);
        assertThat(ch.config().getOption(ChannelSocketOptions.channelOption(Name.TCP_KEEPCNT, transport))).isEqualTo(3);
        assertThat(ch.config().getOption(ChannelSocketOptions.channelOption(Name.TCP_NODELAY, transport))).isEqualTo(false);
      } finally {
        ch.close().sync();
      }
    } finally {
      group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
    }
  }
}

package io.wasmplane.dataplane.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** epoll when the native transport loads, NIO otherwise. */
public record Transport(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannel,
    Class<? extends Channel> channel) {

  private static volatile Boolean epollOk;

  public static Transport best() {
    if (!Boolean.getBoolean("wasmplane.nio") && epollUsable()) {
      return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);
    }
    return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
  }

  /**
   * Epoll.isAvailable() can be true while parts of the native library do not match the Java classes (a native jar of
   * another Netty version): then the first failed connect throws UnsatisfiedLinkError. Touch those parts up front.
   */
  private static boolean epollUsable() {
    Boolean ok = epollOk;
    if (ok == null) {
      ok = checkEpoll();
      epollOk = ok;
    }
    return ok;
  }

  private static boolean checkEpoll() {
    if (!Epoll.isAvailable()) {
      return false;
    }
    try {
      Class.forName("io.netty.channel.unix.Errors", true, Transport.class.getClassLoader());
      return true;
    } catch (Throwable t) {
      org.slf4j.LoggerFactory.getLogger(Transport.class)
          .warn("event=epoll_unusable fallback=nio error={}", t.toString());
      return false;
    }
  }

  public EventLoopGroup newGroup(int threads, String prefix) {
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(prefix, true), ioHandlerFactory);
  }

  /** The worker loops: their threads keep per-worker stat cells (io.wasmplane.dataplane.stats.WorkerThread). */
  public EventLoopGroup newWorkerGroup(int threads, String prefix) {
    return new MultiThreadIoEventLoopGroup(threads, new WorkerThreadFactory(prefix), ioHandlerFactory);
  }
}

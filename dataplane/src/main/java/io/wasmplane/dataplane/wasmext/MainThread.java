package io.wasmplane.dataplane.wasmext;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.wasmplane.dataplane.server.Transport;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's main thread for Wasm: one event loop outside the workers where stats sinks and singleton services run
 * their VMs (a Netty I/O loop, so their http calls can open upstream connections on it).
 */
public final class MainThread implements AutoCloseable {
  private final EventLoopGroup group;
  private final EventLoop loop;

  public MainThread(Transport transport) {
    this.group = transport.newGroup(1, "wasm-main");
    this.loop = group.next();
  }

  public EventLoop loop() {
    return loop;
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3000);
  }
}

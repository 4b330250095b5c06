package io.wasmplane.dataplane.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.wasmplane.dataplane.wasm.PluginHandle;
import io.wasmplane.wasm.BufferType;
import io.wasmplane.wasm.FilterStatus;
import io.wasmplane.wasm.NetworkContext;
import io.wasmplane.wasm.PeerType;
import io.wasmplane.wasm.PluginFailureException;
import io.wasmplane.wasm.Status;
import io.wasmplane.wasm.StreamType;
import io.wasmplane.wasm.host.Buffer;
import io.wasmplane.wasm.host.ContextHost;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * envoy.filters.network.wasm on one downstream connection: bytes from the client (downstream data) pass through
 * {@code proxy_on_downstream_data} before the next filter reads them, bytes to the client (upstream data) through
 * {@code proxy_on_upstream_data} before they are written. StopIteration holds the direction's bytes (later bytes
 * accumulate) until the plugin continues; the plugin may rewrite the held bytes. A failed plugin closes the
 * connection (fail closed) or steps aside (fail open).
 */
final class WasmNetworkFilter extends ChannelDuplexHandler implements ContextHost {
  private static final Logger log = LoggerFactory.getLogger(WasmNetworkFilter.class);

  private final PluginHandle plugin;
  private final boolean failOpen;
  private final DataBuffer downstream = new DataBuffer();
  private final DataBuffer upstream = new DataBuffer();
  private final List<ChannelPromise> heldWrites = new ArrayList<>();
  private ChannelHandlerContext ctx;
  private PluginHandle.Instance vm; // this worker's instance (FAIL_RELOAD: told when its VM fails)
  private NetworkContext context; // null: bypassed (fail open) or done
  private boolean newConnectionHeld;
  private boolean downstreamHeld;
  private boolean upstreamHeld;
  private boolean downstreamEnd;
  private boolean upstreamEnd;
  private boolean closedLocally;
  private boolean retained; // this connection's reference on the plugin version

  /** Takes over the connection's reference on {@code retained}, dropped when the connection ends. */
  WasmNetworkFilter(PluginHandle retained) {
    this.plugin = retained;
    this.failOpen = retained.spec().failOpen();
    this.retained = true;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releasePlugin(); // a connection that never became active
  }

  private void releasePlugin() {
    if (retained) {
      retained = false;
      plugin.release();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    PluginHandle.Instance vm = retained ? plugin.instance(ctx.channel().eventLoop()) : null;
    this.vm = vm;
    if (vm == null || vm.root() == null) {
      fail(new IllegalStateException(vm == null ? "plugin released" : "no usable VM: " + vm.error()));
      if (failOpen) {
        ctx.fireChannelActive();
      }
      return;
    }
    try {
      context = vm.root().newNetworkContext(this);
      if (context.onNewConnection() == FilterStatus.STOP_ITERATION) {
        newConnectionHeld = true;
        return;
      }
    } catch (PluginFailureException e) {
      fail(e);
      if (!failOpen) {
        return;
      }
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (failedClosed) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (context == null || !(msg instanceof ByteBuf buf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      downstream.append(buf);
    } finally {
      buf.release();
    }
    runDownstream();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent && context != null) {
      downstreamEnd = true;
      runDownstream();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (context == null) {
      ctx.write(msg, promise);
      return;
    }
    if (msg instanceof ByteBuf buf && !buf.isReadable() && !upstreamHeld) {
      ctx.write(msg, promise); // a flush marker, not data
      return;
    }
    if (msg instanceof ByteBuf buf) {
      try {
        upstream.append(buf);
      } finally {
        buf.release();
      }
      heldWrites.add(promise);
      runUpstream();
      return;
    }
    if (msg == UpstreamSignal.END) {
      upstreamEnd = true;
      heldWrites.add(promise);
      runUpstream();
      return;
    }
    if (msg instanceof UpstreamSignal s) {
      call(() -> context.onUpstreamConnectionClose(s.peer));
    }
    ctx.write(msg, promise);
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    closedLocally = true;
    ctx.close(promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    NetworkContext c = context;
    if (c != null) {
      context = null;
      try {
        c.onDownstreamConnectionClose(closedLocally ? PeerType.LOCAL : PeerType.REMOTE);
      } catch (PluginFailureException e) {
        log.debug("event=wasm_network_close_failed plugin={} error={}", plugin.spec().pluginName(), e.getMessage());
      }
      c.close();
    }
    heldWrites.forEach(p -> p.tryFailure(new java.nio.channels.ClosedChannelException()));
    heldWrites.clear();
    releasePlugin();
    ctx.fireChannelInactive();
  }

  // ---------------------------------------------------------------- the two directions

  private void runDownstream() {
    // While held, Envoy calls the filter again with everything buffered so far.
    FilterStatus s = call(() -> context.onDownstreamData(downstream.length(), downstreamEnd));
    if (s == null) {
      return;
    }
    downstreamHeld = s == FilterStatus.STOP_ITERATION;
    if (!downstreamHeld) {
      releaseDownstream();
    }
  }

  private void releaseDownstream() {
    downstreamHeld = false;
    if (downstream.length() > 0) {
      ctx.fireChannelRead(downstream.drain());
      ctx.fireChannelReadComplete();
    }
    if (downstreamEnd) {
      ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    }
  }

  private void runUpstream() {
    FilterStatus s = call(() -> context.onUpstreamData(upstream.length(), upstreamEnd));
    if (s == null) {
      return;
    }
    upstreamHeld = s == FilterStatus.STOP_ITERATION;
    if (!upstreamHeld) {
      releaseUpstream();
    }
  }

  private void releaseUpstream() {
    upstreamHeld = false;
    List<ChannelPromise> promises = new ArrayList<>(heldWrites);
    heldWrites.clear();
    if (upstream.length() > 0) {
      ctx.write(upstream.drain()).addListener(f -> promises.forEach(p -> {
        if (f.isSuccess()) {
          p.trySuccess();
        } else {
          p.tryFailure(f.cause());
        }
      }));
    } else {
      promises.forEach(ChannelPromise::trySuccess);
    }
    if (upstreamEnd) {
      ctx.write(UpstreamSignal.END);
    }
    ctx.flush();
  }

  // ---------------------------------------------------------------- failure policy

  private boolean failedClosed;

  private <T> T call(java.util.function.Supplier<T> callback) {
    try {
      return callback.get();
    } catch (PluginFailureException e) {
      fail(e);
      return null;
    }
  }

  private void call(Runnable callback) {
    call(() -> {
      callback.run();
      return null;
    });
  }

  /** Envoy: fail closed closes the connection ("wasm_downstream_close"); fail open lets bytes through unfiltered. */
  private void fail(RuntimeException e) {
    if (vm != null) {
      vm.noteFailure(); // FAIL_RELOAD: the reload backoff counts from here
    }
    if (e instanceof PluginFailureException p && p.kind() != PluginFailureException.Kind.VM_FAILED) {
      log.warn("event=wasm_network_filter_failed plugin={} policy={} error={}", plugin.spec().pluginName(),
          plugin.spec().failMode(), e.getMessage());
    } else { // the VM failed (or never loaded) before this connection and that was logged once
      log.debug("event=wasm_network_filter_failed plugin={} policy={} error={}", plugin.spec().pluginName(),
          plugin.spec().failMode(), e.getMessage());
    }
    NetworkContext c = context;
    context = null;
    if (c != null) {
      c.close();
    }
    if (failOpen) {
      if (newConnectionHeld) {
        newConnectionHeld = false;
        ctx.fireChannelActive();
      }
      releaseDownstream();
      releaseUpstream();
      return;
    }
    failedClosed = true;
    heldWrites.forEach(p -> p.tryFailure(e));
    heldWrites.clear();
    downstream.drain();
    upstream.drain();
    closedLocally = true;
    ctx.channel().eventLoop().execute(() -> ctx.channel().close());
  }

  // ---------------------------------------------------------------- ContextHost (called inside plugin callbacks)

  @Override
  public Buffer buffer(BufferType type) {
    return switch (type) {
      case DOWNSTREAM_DATA -> downstream;
      case UPSTREAM_DATA -> upstream;
      default -> null;
    };
  }

  /** Carried out after the callback returns (never I/O inside plugin code). */
  @Override
  public Status continueStream(StreamType type) {
    if (type != StreamType.DOWNSTREAM && type != StreamType.UPSTREAM) {
      return Status.BAD_ARGUMENT;
    }
    ctx.channel().eventLoop().execute(() -> {
      if (context == null) {
        return;
      }
      if (type == StreamType.DOWNSTREAM) {
        if (newConnectionHeld) {
          newConnectionHeld = false;
          ctx.fireChannelActive();
        }
        if (downstreamHeld) {
          releaseDownstream();
        }
      } else if (upstreamHeld) {
        releaseUpstream();
      }
    });
    return Status.OK;
  }

  /** Envoy closes the whole connection (downstream and, through the proxy, upstream), flushing pending writes. */
  @Override
  public Status closeStream(StreamType type) {
    if (type != StreamType.DOWNSTREAM && type != StreamType.UPSTREAM) {
      return Status.BAD_ARGUMENT;
    }
    ctx.channel().eventLoop().execute(() -> {
      closedLocally = true;
      ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f -> ctx.channel().close());
    });
    return Status.OK;
  }

  @Override
  public byte[] property(List<String> path) {
    return ConnectionProperties.get(ctx.channel(), path);
  }
}

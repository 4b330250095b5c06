package io.wasmplane.dataplane.network;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.wasmplane.dataplane.config.TcpProxyConfig;
import io.wasmplane.dataplane.server.Transport;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.dataplane.upstream.UpstreamHost;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP proxy on one downstream connection: one upstream connection on the same worker loop, bytes copied both ways,
 * half-close passed through (the connection ends when both directions have ended, or either side closes), and
 * backpressure: a side whose peer cannot take more stops reading until the peer drains.
 */
final class TcpProxyHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(TcpProxyHandler.class);

  private final TcpProxyConfig config;
  private final UpstreamCluster cluster;
  private final TcpProxyStats stats;
  private final Transport transport;
  private ChannelHandlerContext down;
  private Channel up;
  private boolean downstreamEnded;
  private boolean upstreamEnded;
  private boolean closingUpstream;
  private boolean logged; // the access log references are handed to ConnectionLog (or dropped)
  private final java.util.List<io.wasmplane.dataplane.wasm.PluginHandle> accessLogs;

  private final java.util.List<io.wasmplane.dataplane.accesslog.FileAccessLogger> fileLogs;
  /** The connection as access logs see it: START_TIME, bytes, DURATION, UPSTREAM_HOST, RESPONSE_FLAGS... */
  private io.wasmplane.dataplane.http.StreamInfo info;

  TcpProxyHandler(TcpProxyConfig config, UpstreamCluster cluster, TcpProxyStats stats, Transport transport,
      java.util.List<io.wasmplane.dataplane.wasm.PluginHandle> accessLogs, java.util.List<io.wasmplane.dataplane.accesslog.FileAccessLogger> fileLogs) {
    this.fileLogs = fileLogs;
    // The connection's own references on its loggers, so a listener update cannot take them before it is logged.
    this.accessLogs = new java.util.ArrayList<>(accessLogs.size());
    for (io.wasmplane.dataplane.wasm.PluginHandle p : accessLogs) {
      if (p.tryRetain()) {
        this.accessLogs.add(p);
      }
    }
    this.config = config;
    this.cluster = cluster;
    this.stats = stats;
    this.transport = transport;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.down = ctx;
    Long id = ctx.channel().attr(ConnectionInfo.ID).get();
    info = new io.wasmplane.dataplane.http.StreamInfo(null, ConnectionInfo.remote(ctx.channel()),
        ConnectionInfo.local(ctx.channel()), ctx.pipeline().get("ssl") != null, id == null ? 0 : id);
    info.upstreamCluster = config.cluster();
    stats.downstreamCxTotal.inc();
    UpstreamHost host = cluster.chooseHost();
    if (host == null) {
      stats.downstreamCxNoRoute.inc();
      cluster.stats().cxNone.inc();
      info.setFlag(io.wasmplane.dataplane.http.ResponseFlag.NO_HEALTHY_UPSTREAM);
      ctx.close();
      return;
    }
    info.upstreamHost = hostString(host.address());
    cluster.stats().cxTotal.inc();
    cluster.stats().cxActive.inc();
    io.wasmplane.dataplane.upstream.HostStats hostStats = host.stats();
    hostStats.cxTotal.inc();
    hostStats.cxActive.inc();
    Bootstrap b = new Bootstrap()
        .group(ctx.channel().eventLoop())
        .channel(transport.channel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, cluster.config().connectTimeout().toMillis()))
        .handler(new UpstreamHandler());
    io.wasmplane.dataplane.server.ChannelSocketOptions.upstream(b, cluster.config().socketOptions(), transport);
    long connectStart = System.nanoTime();
    b.connect(host.address()).addListener((ChannelFutureListener) f -> {
      if (!f.isSuccess()) {
        cluster.stats().cxConnectFail.inc();
        hostStats.cxConnectFail.inc();
        hostStats.cxActive.dec();
        info.setFlag(io.wasmplane.dataplane.http.ResponseFlag.UPSTREAM_CONNECTION_FAILURE);
        cluster.stats().cxActive.dec();
        log.debug("event=tcp_upstream_connect_failed cluster={} host={} error={}", config.cluster(), host, f.cause().toString());
        ctx.close();
        return;
      }
      up = f.channel();
      cluster.stats().cxConnectMs.recordMillisSince(connectStart);
      up.closeFuture().addListener(c -> {
        cluster.stats().cxActive.dec();
        hostStats.cxActive.dec();
        cluster.stats().cxLengthMs.recordMillisSince(connectStart);
      });
      ctx.channel().attr(ConnectionInfo.UPSTREAM).set(host.address());
      ctx.channel().attr(ConnectionInfo.UPSTREAM_LOCAL).set((InetSocketAddress) up.localAddress());
      if (!ctx.channel().isActive()) {
        up.close();
        return;
      }
      // A client that half-closed early got its bytes read despite autoRead off (the transport reads on RDHUP).
      for (ByteBuf bytes : early) {
        up.write(bytes);
      }
      early.clear();
      up.flush();
      if (downstreamEnded) {
        endUpstreamOutput();
        return; // nothing more to read downstream
      }
      ctx.channel().config().setAutoRead(true); // reads were off until the upstream could take the bytes
    });
  }

  /** Bytes read before the upstream connection was up (see the connect listener). */
  private final java.util.List<ByteBuf> early = new java.util.ArrayList<>(1);

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf pending && up == null && ctx.channel().isActive()) {
      stats.downstreamCxRxBytesTotal.add(pending.readableBytes());
      info.bytesReceived += pending.readableBytes();
      early.add(pending);
      return;
    }
    if (!(msg instanceof ByteBuf buf) || up == null || !up.isActive()) {
      ReferenceCountUtil.release(msg);
      return;
    }
    stats.downstreamCxRxBytesTotal.add(buf.readableBytes());
    info.bytesReceived += buf.readableBytes();
    up.write(buf);
    if (!up.isWritable() && ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(false);
      stats.downstreamFlowControlPausedReadingTotal.inc();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (up != null) {
      up.flush();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable() && up != null && !up.config().isAutoRead()) {
      up.config().setAutoRead(true);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      downstreamEnded = true; // the client half-closed: pass it on once its bytes are out (or once connected)
      if (up != null && up.isActive()) {
        endUpstreamOutput();
      }
      closeIfBothEnded();
      return;
    }
    if (evt instanceof IdleStateEvent) {
      stats.idleTimeout.inc();
      closeBoth();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closeUpstream();
    logged = true;
    if (info != null && !fileLogs.isEmpty()) {
      info.lastDownstreamByteSentNanos = System.nanoTime();
      info.downstreamTlsSession = ctx.channel().attr(ConnectionInfo.TLS_SESSION).get(); // known once the handshake ended
      info.connectionTerminationDetails = ctx.channel().attr(ConnectionInfo.TERMINATION_DETAILS).get();
      var entry = new io.wasmplane.dataplane.accesslog.AccessLogFormat.Entry(info, null, null);
      for (io.wasmplane.dataplane.accesslog.FileAccessLogger l : fileLogs) {
        l.log(entry);
      }
    }
    if (!accessLogs.isEmpty()) {
      ConnectionLog.log(ctx.channel(), accessLogs);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    early.forEach(ReferenceCountUtil::release);
    early.clear();
    if (!logged) { // never became active: nothing to log, drop the references
      logged = true;
      accessLogs.forEach(io.wasmplane.dataplane.wasm.PluginHandle::release);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("event=tcp_downstream_error error={}", cause.toString());
    ctx.close();
  }

  private void endUpstreamOutput() {
    up.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
      if (up instanceof DuplexChannel d && d.isActive()) {
        d.shutdownOutput();
      }
    });
  }

  private void closeIfBothEnded() {
    if (downstreamEnded && upstreamEnded) {
      closeBoth();
    }
  }

  /** Upstream first, so the network filters hear of its close (LOCAL) before the downstream goes; see UpstreamHandler. */
  private void closeBoth() {
    if (up != null && up.isActive()) {
      closeUpstream();
    } else {
      down.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Envoy flushes what the upstream still has to receive, then closes it. */
  private void closeUpstream() {
    if (up == null || closingUpstream) {
      return;
    }
    closingUpstream = true;
    if (up.isActive()) {
      stats.upstreamFlushTotal.inc();
      stats.upstreamFlushActive.inc();
      up.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
        stats.upstreamFlushActive.dec();
        up.close();
      });
    }
  }

  /** The upstream side: bytes go back through the downstream pipeline (network filters see them as upstream data). */
  private final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buf) || !down.channel().isActive()) {
        ReferenceCountUtil.release(msg);
        return;
      }
      stats.downstreamCxTxBytesTotal.add(buf.readableBytes());
      info.bytesSent += buf.readableBytes();
      down.write(buf);
      if (!down.channel().isWritable() && ctx.channel().config().isAutoRead()) {
        ctx.channel().config().setAutoRead(false);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      down.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable() && !down.channel().config().isAutoRead()) {
        down.channel().config().setAutoRead(true);
        stats.downstreamFlowControlResumedReadingTotal.inc();
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        upstreamEnded = true;
        down.writeAndFlush(UpstreamSignal.END);
        closeIfBothEnded();
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!closingUpstream) {
        cluster.stats().cxDestroyRemote.inc();
      }
      cluster.stats().cxDestroy.inc();
      if (down.channel().isActive()) {
        down.write(closingUpstream ? UpstreamSignal.CLOSED_LOCAL : UpstreamSignal.CLOSED_REMOTE);
        down.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("event=tcp_upstream_error cluster={} error={}", config.cluster(), cause.toString());
      ctx.close();
    }
  }

  /** Envoy's %UPSTREAM_HOST%: ip:port. */
  private static String hostString(InetSocketAddress a) {
    return Addresses.hostPort(a);
  }
}

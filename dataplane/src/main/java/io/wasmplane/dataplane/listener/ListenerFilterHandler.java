package io.wasmplane.dataplane.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.wasmplane.dataplane.config.ConnectionFacts;
import io.wasmplane.dataplane.config.ListenerFiltersConfig;
import io.wasmplane.dataplane.config.ProxyProtocolConfig;
import io.wasmplane.dataplane.network.ConnectionInfo;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Envoy's listener filters on a new connection: the TLS inspector and the HTTP inspector peek at the first bytes
 * (kept, not consumed) until they know the transport protocol, SNI and application protocols; then the filter chain
 * is chosen and installed after this handler, which replays the connection's start (active, the bytes read so far)
 * to it and steps out. {@code listener_filters_timeout} bounds the wait: the connection is closed, or with
 * {@code continue_on_listener_filters_timeout} goes on with what was found. The PROXY protocol filter runs first: it
 * consumes its header and restores the connection's addresses ({@link ConnectionInfo#RESTORED_REMOTE}/{@code _LOCAL}).
 */
public final class ListenerFilterHandler extends ChannelInboundHandlerAdapter {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ListenerFilterHandler.class);
  /** Installs the chain for these facts after this handler; false when none was (the connection is closed). */
  public interface ChainInstaller {
    boolean install(Channel ch, ConnectionFacts facts);
  }

  private final ListenerFiltersConfig config;
  private final ListenerFilterStats stats;
  private final ChainInstaller installer;
  private final java.util.function.Consumer<Channel> rejected;
  private ByteBuf buffered;
  private ScheduledFuture<?> timeout;
  private boolean done;
  private boolean proxyHeaderRead;

  public ListenerFilterHandler(ListenerFiltersConfig config, ListenerFilterStats stats, ChainInstaller installer) {
    this(config, stats, installer, ch -> {});
  }

  /** {@code rejected} sees each connection a listener filter closes (rejected, timed out or failed), before it closes. */
  public ListenerFilterHandler(ListenerFiltersConfig config, ListenerFilterStats stats, ChainInstaller installer,
      java.util.function.Consumer<Channel> rejected) {
    this.config = config;
    this.stats = stats;
    this.installer = installer;
    this.rejected = rejected;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    stats.preCxActive.inc();
    long ms = config.timeout().toMillis();
    if (ms > 0) {
      timeout = ctx.executor().schedule(() -> onTimeout(ctx), ms, TimeUnit.MILLISECONDS);
    }
  }

  /** The chain's handlers get channelActive when they are installed. */
  @Override
  public void channelActive(ChannelHandlerContext ctx) {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (done || !(msg instanceof ByteBuf in)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    buffered = buffered == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), buffered, in);
    inspect(ctx, false);
  }

  private void onTimeout(ChannelHandlerContext ctx) {
    if (done) {
      return;
    }
    stats.preCxTimeout.inc();
    if (config.continueOnTimeout()) {
      inspect(ctx, true);
    } else {
      fail(ctx);
    }
  }

  /** Runs the inspectors over what was read; when they are done (or time is up), installs the chain. */
  private void inspect(ChannelHandlerContext ctx, boolean timedOut) {
    if (!proxyHeaderRead && config.proxyProtocol().isPresent()) {
      if (!readProxyHeader(ctx, config.proxyProtocol().get(), timedOut)) {
        return;
      }
      proxyHeaderRead = true;
    }
    ByteBuf in = buffered != null ? buffered : io.netty.buffer.Unpooled.EMPTY_BUFFER;
    ClientHello hello = config.tlsInspector() ? ClientHello.read(in) : ClientHello.NOT_TLS;
    if (hello.kind() == ClientHello.Kind.NEED_MORE && !timedOut) {
      return;
    }
    if (hello.kind() == ClientHello.Kind.TOO_LARGE || hello.kind() == ClientHello.Kind.MALFORMED) {
      (hello.kind() == ClientHello.Kind.TOO_LARGE ? stats.clientHelloTooLarge : stats.filterError).inc();
      fail(ctx);
      return;
    }
    boolean tls = hello.kind() == ClientHello.Kind.TLS;
    String http = "";
    if (config.httpInspector() && !tls) {
      http = HttpDetector.read(in);
      if (http == null && !timedOut) {
        return;
      }
      http = http == null ? "" : http;
    }
    count(hello, http);
    Channel ch = ctx.channel();
    List<String> protocols = tls ? hello.alpn() : http.isEmpty() ? List.of() : List.of(http);
    ConnectionFacts facts = new ConnectionFacts(ConnectionInfo.local(ch), ConnectionInfo.remote(ch), hello.serverName(),
        tls ? ConnectionFacts.TLS : ConnectionFacts.RAW_BUFFER, protocols, (InetSocketAddress) ch.remoteAddress());
    finish(ctx, facts);
  }

  /**
   * Consumes a PROXY protocol header and restores the addresses it carries; true when the other filters can go on,
   * false while more bytes are needed or when the connection was closed (a bad, disallowed or missing header).
   */
  private boolean readProxyHeader(ChannelHandlerContext ctx, ProxyProtocolConfig pp, boolean timedOut) {
    ProxyProtocolStats s = stats.proxyProtocol;
    ProxyProtocolHeader h = ProxyProtocolHeader.read(buffered != null ? buffered : io.netty.buffer.Unpooled.EMPTY_BUFFER);
    switch (h.kind()) {
      case NEED_MORE -> {
        if (timedOut) {
          fail(ctx);
        }
        return false;
      }
      case NOT_PROXY -> {
        (pp.allowWithout() ? s.notFoundAllowed : s.notFoundDisallowed).inc();
        if (!pp.allowWithout()) {
          reject(ctx, "no PROXY protocol header");
          return false;
        }
        return true;
      }
      case ERROR -> {
        s.error(h.version()).inc();
        reject(ctx, h.error());
        return false;
      }
      default -> {
        if (pp.disallowedVersions().contains(h.version())) {
          s.disallowed(h.version()).inc();
          reject(ctx, "PROXY protocol v" + h.version() + " is disallowed");
          return false;
        }
        s.found(h.version()).inc();
        buffered.skipBytes(h.length());
        if (h.source() != null) {
          ctx.channel().attr(ConnectionInfo.RESTORED_REMOTE).set(h.source());
          ctx.channel().attr(ConnectionInfo.RESTORED_LOCAL).set(h.destination());
        }
        return true;
      }
    }
  }

  private void reject(ChannelHandlerContext ctx, String why) {
    stats.filterError.inc();
    LOG.debug("event=proxy_protocol_rejected remote={} cause=\"{}\"", ctx.channel().remoteAddress(), why);
    fail(ctx);
  }

  private void count(ClientHello hello, String http) {
    if (config.tlsInspector()) {
      boolean tls = hello.kind() == ClientHello.Kind.TLS;
      (tls ? stats.tlsFound : stats.tlsNotFound).inc();
      if (tls) {
        (hello.serverName().isEmpty() ? stats.sniNotFound : stats.sniFound).inc();
        (hello.alpn().isEmpty() ? stats.alpnNotFound : stats.alpnFound).inc();
      }
    }
    if (config.httpInspector() && hello.kind() != ClientHello.Kind.TLS) {
      switch (http) {
        case "http/1.0" -> stats.http10Found.inc();
        case "http/1.1" -> stats.http11Found.inc();
        case "h2c" -> stats.http2Found.inc();
        default -> stats.httpNotFound.inc();
      }
    }
  }

  private void finish(ChannelHandlerContext ctx, ConnectionFacts facts) {
    stop();
    if (!installer.install(ctx.channel(), facts) || !ctx.channel().isOpen()) {
      release();
      return;
    }
    ctx.fireChannelActive();
    ByteBuf b = buffered;
    buffered = null;
    if (b != null && b.isReadable()) {
      ctx.fireChannelRead(b);
      ctx.fireChannelReadComplete();
    } else if (b != null) {
      b.release();
    }
    ctx.pipeline().remove(this);
  }

  private void fail(ChannelHandlerContext ctx) {
    boolean first = !done;
    stop();
    release();
    if (first) {
      rejected.accept(ctx.channel());
    }
    ctx.close();
  }

  private void stop() {
    if (!done) {
      done = true;
      stats.preCxActive.dec();
      if (timeout != null) {
        timeout.cancel(false);
      }
    }
  }

  private void release() {
    if (buffered != null) {
      buffered.release();
      buffered = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!done) {
      stop();
      release();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!done) {
      fail(ctx);
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    stop();
    release();
  }
}

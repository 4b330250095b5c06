package io.wasmplane.dataplane.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.wasmplane.dataplane.network.ConnectionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits right after a connection's SslHandler until the handshake ends: counts it under Envoy's {@code ssl.*} names
 * (a listener's, or {@code cluster.<name>.ssl.*} upstream) and, downstream, records the connection's
 * {@link ConnectionTls} for filters and access logs.
 */
public final class TlsHandshakeObserver extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(TlsHandshakeObserver.class);
  private final TlsStats stats;

  public TlsHandshakeObserver(TlsStats stats) {
    this.stats = stats;
  }

  /** Counts an upstream connection's handshake (the peer is the upstream server) when {@code handler}'s ends. */
  static void count(TlsStats stats, SslHandler handler) {
    handler.handshakeFuture().addListener(f -> {
      if (f.isSuccess()) {
        stats.handshake.inc();
      } else {
        countFailure(stats, f.cause());
        log.debug("event=upstream_tls_handshake_failed cause={}", String.valueOf(f.cause()));
      }
    });
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent done) {
      if (done.isSuccess()) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        ConnectionTls tls = ConnectionTls.of(ssl.engine().getSession());
        ctx.channel().attr(ConnectionInfo.TLS_SESSION).set(tls);
        stats.handshake.inc();
        if (!tls.mtls()) {
          stats.noCertificate.inc();
        }
      } else {
        failed(ctx, done.cause());
      }
      ctx.pipeline().remove(this);
    }
    ctx.fireUserEventTriggered(evt);
  }

  private void failed(ChannelHandlerContext ctx, Throwable cause) {
    countFailure(stats, cause);
    log.debug("event=downstream_tls_handshake_failed remote={} cause={}", ctx.channel().remoteAddress(), String.valueOf(cause));
  }

  private static void countFailure(TlsStats stats, Throwable cause) {
    stats.connectionError.inc();
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof VerificationFailure f) {
        switch (f.reason) {
          case SAN -> stats.failVerifySan.inc();
          case CERT_HASH -> stats.failVerifyCertHash.inc();
          case ERROR -> stats.failVerifyError.inc();
        }
        break;
      }
      String m = String.valueOf(t.getMessage());
      if (m.contains("Empty client certificate chain") || m.contains("peer not authenticated")) {
        stats.failVerifyNoCert.inc();
        break;
      }
    }
  }
}

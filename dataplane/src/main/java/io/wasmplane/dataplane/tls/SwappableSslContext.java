package io.wasmplane.dataplane.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.netty.handler.ssl.SslContext;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;

/**
 * An SslContext whose current version can be replaced (SDS rotation): each new connection's engine comes from the
 * version current when it is created; connections already up keep theirs.
 */
public final class SwappableSslContext extends SslContext {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SwappableSslContext.class);

  private volatile SslContext current;
  private volatile Runnable onClose = () -> { };

  public SwappableSslContext(SslContext initial) {
    this.current = initial;
  }

  /**
   * A context built by {@code build} from {@code material} resolved against {@code secrets}, rebuilt for new
   * connections whenever one of its SDS secrets changes (a rebuild that fails keeps the last good version).
   */
  static SwappableSslContext following(io.wasmplane.dataplane.config.TlsMaterial material, SecretStore secrets, String where,
      java.util.function.Function<io.wasmplane.dataplane.config.TlsMaterial.ResolvedTls, SslContext> build) {
    SwappableSslContext ctx = new SwappableSslContext(build.apply(secrets.resolve(material, where)));
    ctx.onClose(secrets.watch(SecretStore.dynamicNames(material), () -> {
      try {
        ctx.swap(build.apply(secrets.resolve(material, where)));
        log.info("event=tls_context_rotated where=\"{}\"", where);
      } catch (RuntimeException e) {
        log.warn("event=tls_context_rotation_failed where=\"{}\" cause=\"{}\"", where, e.getMessage());
      }
    }));
    return ctx;
  }

  public void swap(SslContext next) {
    current = next;
  }

  public SslContext current() {
    return current;
  }

  /** What to undo when the owner (a listener or cluster) goes: its secret subscriptions. */
  void onClose(Runnable r) {
    onClose = r;
  }

  public void close() {
    onClose.run();
  }

  @Override
  public boolean isClient() {
    return current.isClient();
  }

  @Override
  public List<String> cipherSuites() {
    return current.cipherSuites();
  }

  @Override
  @SuppressWarnings("deprecation")
  public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
    return current.applicationProtocolNegotiator();
  }

  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc) {
    return current.newEngine(alloc);
  }

  @Override
  public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
    return current.newEngine(alloc, peerHost, peerPort);
  }

  @Override
  public SSLSessionContext sessionContext() {
    return current.sessionContext();
  }
}

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
  private volatile TlsStats handshakes;

  public SwappableSslContext(SslContext initial) {
    this.current = initial;
  }

  /**
   * A context built by {@code build} from {@code material} resolved against {@code secrets}, rebuilt for new
   * connections whenever one of its SDS secrets changes or a {@code watched_directory} of one of its certificates does
   * (a rebuild that fails, e.g. a key not yet written beside its new certificate, keeps the last good version).
   */
  static SwappableSslContext following(io.wasmplane.dataplane.config.TlsMaterial material, SecretStore secrets, String where,
      java.util.function.Function<io.wasmplane.dataplane.config.TlsMaterial.ResolvedTls, SslContext> build) {
    var first = secrets.resolve(material, where);
    SwappableSslContext ctx = new SwappableSslContext(build.apply(first));
    Follower f = new Follower(() -> {
      var resolved = secrets.resolve(material, where);
      ctx.swap(build.apply(resolved));
      return resolved;
    }, where);
    f.watchDirectories(first);
    Runnable unwatchSecrets = secrets.watch(SecretStore.dynamicNames(material), f::rebuild);
    ctx.onClose(() -> {
      unwatchSecrets.run();
      f.close();
    });
    return ctx;
  }

  /** Rebuilds a context on a change and keeps its directory watches matching its current certificates. */
  private static final class Follower {
    private final java.util.function.Supplier<io.wasmplane.dataplane.config.TlsMaterial.ResolvedTls> rebuild;
    private final String where;
    private java.util.Set<java.nio.file.Path> dirs = java.util.Set.of();
    private List<Runnable> unwatch = List.of();
    private boolean closed;

    Follower(java.util.function.Supplier<io.wasmplane.dataplane.config.TlsMaterial.ResolvedTls> rebuild, String where) {
      this.rebuild = rebuild;
      this.where = where;
    }

    synchronized void rebuild() {
      if (closed) {
        return;
      }
      try {
        watchDirectories(rebuild.get());
        log.info("event=tls_context_rotated where=\"{}\"", where);
      } catch (RuntimeException e) {
        log.warn("event=tls_context_rotation_failed where=\"{}\" cause=\"{}\"", where, e.getMessage());
      }
    }

    synchronized void watchDirectories(io.wasmplane.dataplane.config.TlsMaterial.ResolvedTls resolved) {
      java.util.Set<java.nio.file.Path> wanted = new java.util.HashSet<>();
      resolved.certificates().forEach(c -> c.watched().ifPresent(w -> wanted.add(w.directory())));
      if (closed || wanted.equals(dirs)) {
        return;
      }
      unwatch.forEach(Runnable::run);
      List<Runnable> next = new java.util.ArrayList<>();
      for (java.nio.file.Path d : wanted) {
        next.add(DirectoryWatcher.shared().watch(d, this::rebuild));
      }
      dirs = java.util.Set.copyOf(wanted);
      unwatch = next;
    }

    synchronized void close() {
      closed = true;
      unwatch.forEach(Runnable::run);
      unwatch = List.of();
    }
  }

  /**
   * Counts the handshake of every client connection made from now on in {@code stats} ({@code cluster.<name>.ssl.*}),
   * whoever opens it (request pools, health checks), from the handler's handshake future.
   */
  public void countHandshakes(TlsStats stats) {
    handshakes = stats;
  }

  @Override
  protected io.netty.handler.ssl.SslHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort, boolean startTls) {
    io.netty.handler.ssl.SslHandler h = super.newHandler(alloc, peerHost, peerPort, startTls);
    TlsStats s = handshakes;
    if (s != null) {
      TlsHandshakeObserver.count(s, h);
    }
    return h;
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

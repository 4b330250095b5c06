package io.wasmplane.dataplane.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import io.wasmplane.dataplane.config.HealthCheckConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's active health checking for one cluster: one session per host, all on one event loop (not per worker).
 * HTTP (HTTP/1.1 or prior-knowledge HTTP/2), gRPC (grpc.health.v1 over HTTP/2) or TCP (connect only, or send bytes
 * and expect blocks back). A passing HTTP check whose answer carries x-envoy-degraded marks the host degraded. A host that
 * DNS or EDS adds starts unhealthy (/failed_active_hc) until its first check passes (one pass is enough then); the
 * hosts of a STATIC cluster start healthy, as in Envoy, and startup waits for their first check. A host needs
 * unhealthy_threshold network failures (timeouts, connect failures, closes) or a single unexpected status to fail, and
 * healthy_threshold passes to come back.
 */
final class HealthChecker {
  private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

  enum Failure { NETWORK, ACTIVE, ACTIVE_RETRIABLE }

  /** Envoy: a passing HTTP check whose answer carries this header marks the host degraded. */
  private static final String DEGRADED_HEADER = "x-envoy-degraded";
  // A HealthCheckResponse is a few bytes; anything much larger is not one.
  private static final int MAX_GRPC_RESPONSE = 64 * 1024;

  /** What the cluster does with results (loop thread). */
  interface Listener {
    void onHealthCheckResult(UpstreamHost host, boolean passed, boolean healthChanged);
  }

  private final UpstreamCluster cluster;
  private final HealthCheckConfig config;
  private final EventLoop loop;
  private final HealthCheckStats stats;
  private final Listener listener;
  private final Map<UpstreamHost, Session> sessions = new HashMap<>(); // loop only
  private volatile CountDownLatch firstRound;
  private final java.util.concurrent.CompletableFuture<Void> firstRoundDone = new java.util.concurrent.CompletableFuture<>();
  private volatile boolean stopped;

  HealthChecker(UpstreamCluster cluster, HealthCheckConfig config, EventLoop loop, HealthCheckStats stats, Listener listener) {
    this.cluster = cluster;
    this.config = config;
    this.loop = loop;
    this.stats = stats;
    this.listener = listener;
  }

  /** Hosts DNS or EDS adds to a cluster with health checks start failed until their first check passes. */
  static void markNew(UpstreamHost h) {
    h.health().update(HostHealth.FAILED_ACTIVE_HC, true);
    h.health().update(HostHealth.PENDING_ACTIVE_HC, true);
  }

  /** Start sessions for new hosts, stop those of removed hosts. Any thread. */
  void hostsChanged(List<UpstreamHost> now) {
    if (firstRound == null && !now.isEmpty()) {
      firstRound = new CountDownLatch(now.size());
    }
    List<UpstreamHost> copy = List.copyOf(now);
    loop.execute(() -> {
      if (stopped) {
        return;
      }
      for (Map.Entry<UpstreamHost, Session> e : new ArrayList<>(sessions.entrySet())) {
        if (!copy.contains(e.getKey())) {
          if (e.getValue().firstCheck) {
            firstResult(); // a host removed before its first check no longer holds up the first round
          }
          e.getValue().stop();
          sessions.remove(e.getKey());
        }
      }
      for (UpstreamHost h : copy) {
        if (!sessions.containsKey(h)) {
          Session s = new Session(h);
          sessions.put(h, s);
          s.start();
        }
      }
      refreshHealthyGauge();
    });
  }

  /** Envoy initializes a health-checked cluster once every host had its first check; bounded wait. */
  boolean awaitFirstRound(long millis) throws InterruptedException {
    CountDownLatch l = firstRound;
    return l == null || l.await(millis, TimeUnit.MILLISECONDS);
  }

  /** Completes once every host known so far had its first check (at once when there are none): cluster warming. */
  java.util.concurrent.CompletionStage<Void> firstRound() {
    CountDownLatch l = firstRound;
    return l == null || l.getCount() == 0 ? java.util.concurrent.CompletableFuture.completedFuture(null) : firstRoundDone;
  }

  private void firstResult() {
    CountDownLatch l = firstRound;
    if (l != null) {
      l.countDown();
      if (l.getCount() == 0) {
        firstRoundDone.complete(null);
      }
    }
  }

  void stop() {
    stopped = true;
    loop.execute(() -> {
      sessions.values().forEach(Session::stop);
      sessions.clear();
    });
  }

  private void refreshHealthyGauge() {
    int n = 0;
    int degraded = 0;
    for (UpstreamHost h : sessions.keySet()) {
      if (!h.health().has(HostHealth.FAILED_ACTIVE_HC)) {
        n++;
      }
      if (h.health().has(HostHealth.DEGRADED_ACTIVE_HC)) {
        degraded++;
      }
    }
    stats.healthy.set(n);
    stats.degraded.set(degraded);
  }

  /** Envoy's interval choice: slower while the cluster never had traffic, edge intervals while a change is pending. */
  private long intervalMillis(boolean healthyResult, boolean changePending) {
    long base;
    if (cluster.stats().cxTotal.value() > 0) {
      if (healthyResult) {
        base = (changePending ? config.healthyEdgeInterval() : config.interval()).toMillis();
      } else {
        base = (changePending ? config.unhealthyEdgeInterval() : config.unhealthyInterval()).toMillis();
      }
    } else {
      base = (healthyResult && !changePending ? config.noTrafficHealthyInterval() : config.noTrafficInterval()).toMillis();
    }
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long jitter = (long) Math.min(Long.MAX_VALUE / 4, base * (config.intervalJitterPercent() / 100.0));
    if (jitter > 0) {
      base += r.nextLong(jitter);
    }
    long fixed = config.intervalJitter().toMillis();
    if (fixed > 0) {
      base += r.nextLong(fixed);
    }
    return Math.max(1, base); // a sub-millisecond interval checks every millisecond, not in a busy loop
  }

  /** One host's checks. Loop thread only. */
  private final class Session {
    final UpstreamHost host;
    int numHealthy;
    int numUnhealthy;
    boolean firstCheck = true;
    boolean stopped;
    ScheduledFuture<?> intervalTimer;
    ScheduledFuture<?> timeoutTimer;
    Channel connection; // kept between checks when reuse_connection
    Object attempt; // identity of the check in flight; results of older ones are ignored
    ByteBuf received; // TCP: what came back so far
    int status; // HTTP: the answer of the check in flight
    HttpHeaders responseHeaders;
    ByteBuf grpcBody; // gRPC: the response message so far
    boolean keepAlive;

    Session(UpstreamHost host) {
      this.host = host;
    }

    void start() {
      long j = config.initialJitter().toMillis();
      if (j > 0) {
        intervalTimer = loop.schedule(this::onInterval, ThreadLocalRandom.current().nextLong(j), TimeUnit.MILLISECONDS);
      } else {
        loop.execute(this::onInterval);
      }
    }

    void stop() {
      stopped = true;
      attempt = null;
      releaseGrpcBody();
      cancel(intervalTimer);
      cancel(timeoutTimer);
      closeConnection();
    }

    void onInterval() {
      if (stopped) {
        return;
      }
      Object a = new Object();
      attempt = a;
      stats.attempt.inc();
      timeoutTimer = loop.schedule(() -> {
        if (attempt == a) {
          closeConnection(); // Envoy drops the connection of a check that timed out
          finish(a, Failure.NETWORK);
        }
      }, config.timeout().toMillis(), TimeUnit.MILLISECONDS);
      if (config.http().isPresent()) {
        checkHttp(a, config.http().get().http2());
      } else if (config.grpc().isPresent()) {
        checkHttp(a, true);
      } else {
        checkTcp(a, config.tcp().orElseThrow());
      }
    }

    // -------------------------------------------------------------- results

    void finish(Object a, Failure failure) {
      finish(a, failure, false);
    }

    /**
     * The end of check {@code a}: passed when {@code failure} is null ({@code degraded}: the answer said
     * x-envoy-degraded). Later reports of the same check are ignored.
     */
    void finish(Object a, Failure failure, boolean degraded) {
      if (attempt != a || stopped) {
        return;
      }
      attempt = null;
      cancel(timeoutTimer);
      if (received != null) {
        received.release();
        received = null;
      }
      releaseGrpcBody();
      boolean changed;
      boolean pending;
      if (failure == null) {
        numUnhealthy = 0;
        changed = false;
        pending = false;
        if (host.health().has(HostHealth.FAILED_ACTIVE_HC)) {
          // The first result ever flips a new host at once (Envoy: faster startup).
          if (firstCheck || ++numHealthy >= config.healthyThreshold()) {
            host.health().update(HostHealth.FAILED_ACTIVE_HC, false);
            host.healthySinceNanos = System.nanoTime(); // slow start begins when a host passes (Envoy's last_hc_pass_time)
            changed = true;
            log.info("event=health_check_healthy cluster={} host={}", cluster.config().name(), host);
          } else {
            pending = true;
          }
        }
        if (host.health().update(HostHealth.DEGRADED_ACTIVE_HC, degraded)) {
          changed = true;
          log.info("event=health_check_degraded cluster={} host={} degraded={}", cluster.config().name(), host, degraded);
        }
        stats.success.inc();
      } else {
        numHealthy = 0;
        changed = false;
        pending = false;
        if (!host.health().has(HostHealth.FAILED_ACTIVE_HC)) {
          if (failure == Failure.ACTIVE || ++numUnhealthy >= config.unhealthyThreshold()) {
            host.health().update(HostHealth.FAILED_ACTIVE_HC, true);
            changed = true;
            log.info("event=health_check_unhealthy cluster={} host={} failure={}", cluster.config().name(), host, failure);
          } else {
            pending = true;
          }
        }
        stats.failure.inc();
        if (failure == Failure.NETWORK) {
          stats.networkFailure.inc();
        }
        if (!config.reuseConnection() || failure != Failure.NETWORK) {
          closeConnection();
        }
      }
      if (firstCheck) {
        firstCheck = false;
        // Any first result ends "pending" (hosts excluded until then come into the load balancing weights).
        changed |= host.health().update(HostHealth.PENDING_ACTIVE_HC, false);
        firstResult();
      }
      refreshHealthyGauge();
      listener.onHealthCheckResult(host, failure == null, changed);
      intervalTimer = loop.schedule(this::onInterval, intervalMillis(failure == null, pending), TimeUnit.MILLISECONDS);
    }

    // -------------------------------------------------------------- HTTP

    void checkHttp(Object a, boolean http2) {
      if (connection != null && connection.isActive()) {
        sendHttp(a, http2);
        return;
      }
      ChannelFuture f = connect(ch -> {
        if (http2) {
          Http2ClientCodec.install(ch, cluster.config().http2(), cluster.stats()); // the cluster's SETTINGS and windows
          ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
        } else {
          ch.pipeline().addLast(new HttpClientCodec());
          ch.pipeline().addLast(new ResponseHandler(this));
        }
        ch.pipeline().addLast(new CloseWatcher(this));
      });
      connection = f.channel();
      f.addListener(cf -> {
        if (!cf.isSuccess()) {
          finish(a, Failure.NETWORK);
        } else if (attempt == a) {
          sendHttp(a, http2);
        }
      });
    }

    void sendHttp(Object a, boolean http2) {
      FullHttpRequest req = config.grpc().isPresent() ? GrpcHealthProbe.request(config.grpc().get()) : httpRequest(config.http().orElseThrow());
      if (!config.reuseConnection() && !http2) {
        req.headers().set(HttpHeaderNames.CONNECTION, "close");
      }
      if (!http2) {
        connection.writeAndFlush(req);
        return;
      }
      new Http2StreamChannelBootstrap(connection)
          .handler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel sc) {
              sc.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false));
              sc.pipeline().addLast(new ResponseHandler(Session.this));
            }
          })
          .open()
          .addListener(sf -> {
            if (sf.isSuccess()) {
              ((Channel) sf.getNow()).writeAndFlush(req);
            } else {
              req.release();
              finish(a, Failure.NETWORK);
            }
          });
    }

    private FullHttpRequest httpRequest(HealthCheckConfig.HttpCheck http) {
      FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, http.path(), Unpooled.EMPTY_BUFFER);
      req.headers().set(HttpHeaderNames.HOST, http.host());
      req.headers().set(HttpHeaderNames.USER_AGENT, "Envoy/HC");
      http.headersToAdd().forEach((k, v) -> req.headers().set(k, v));
      return req;
    }

    void onResponse(HttpObject msg, Channel from) {
      Object a = attempt;
      if (msg instanceof HttpResponse r) {
        status = r.status().code();
        responseHeaders = r.headers();
        keepAlive = HttpUtil.isKeepAlive(r);
      }
      if (msg instanceof HttpContent c && a != null && config.grpc().isPresent() && c.content().isReadable()) {
        if (grpcBody == null) {
          grpcBody = Unpooled.buffer();
        }
        if (grpcBody.readableBytes() + c.content().readableBytes() > MAX_GRPC_RESPONSE) {
          from.close();
          finish(a, Failure.ACTIVE);
          return;
        }
        grpcBody.writeBytes(c.content());
      }
      if (msg instanceof LastHttpContent last && a != null) {
        boolean http2 = config.grpc().isPresent() || config.http().orElseThrow().http2();
        Failure f;
        boolean degraded = false;
        if (config.grpc().isPresent()) {
          String why = GrpcHealthProbe.failure(status, responseHeaders, grpcBody == null ? Unpooled.EMPTY_BUFFER : grpcBody,
              last.trailingHeaders());
          if (why != null) {
            log.debug("event=grpc_health_check_failed cluster={} host={} reason={}", cluster.config().name(), host, why);
          }
          f = why == null ? null : Failure.ACTIVE;
        } else {
          HealthCheckConfig.HttpCheck http = config.http().orElseThrow();
          f = http.expected(status) ? null : http.retriable(status) ? Failure.ACTIVE_RETRIABLE : Failure.ACTIVE;
          degraded = responseHeaders != null && responseHeaders.contains(DEGRADED_HEADER);
        }
        boolean close = !config.reuseConnection() || (!http2 && !keepAlive);
        if (!http2 && close) {
          closeConnection();
        }
        finish(a, f, degraded);
        if (http2) {
          from.close(); // the stream; closed after the result so its close is not taken for a reset
          if (close) {
            closeConnection(); // reuse_connection: false, as Envoy: a new HTTP/2 connection per check
          }
        }
      }
    }

    void releaseGrpcBody() {
      if (grpcBody != null) {
        grpcBody.release();
        grpcBody = null;
      }
      responseHeaders = null;
    }

    // -------------------------------------------------------------- TCP

    void checkTcp(Object a, HealthCheckConfig.TcpCheck tcp) {
      if (connection != null && connection.isActive() && !tcp.connectOnly()) {
        sendTcp(tcp);
        return;
      }
      closeConnection();
      ChannelFuture f = connect(ch -> ch.pipeline().addLast(new TcpHandler(this)).addLast(new CloseWatcher(this)));
      connection = f.channel();
      f.addListener(cf -> {
        if (!cf.isSuccess()) {
          finish(a, Failure.NETWORK);
        } else if (tcp.connectOnly()) {
          closeConnection();
          finish(a, null);
        } else if (attempt == a) {
          sendTcp(tcp);
        }
      });
    }

    void sendTcp(HealthCheckConfig.TcpCheck tcp) {
      received = Unpooled.buffer();
      if (!tcp.sendHex().isEmpty()) {
        connection.writeAndFlush(Unpooled.wrappedBuffer(HexFormat.of().parseHex(tcp.sendHex())));
      }
    }

    void onTcpData(ByteBuf data) {
      Object a = attempt;
      if (a == null || received == null) {
        data.release();
        return;
      }
      received.writeBytes(data);
      data.release();
      // Envoy's fuzzy match: every receive block appears, in order, somewhere in what came back.
      int from = 0;
      for (String hex : config.tcp().orElseThrow().receiveHex()) {
        byte[] want = HexFormat.of().parseHex(hex);
        int at = ByteBufUtil.indexOf(Unpooled.wrappedBuffer(want), received.slice(from, received.writerIndex() - from));
        if (at < 0) {
          return;
        }
        from += at + want.length;
      }
      if (!config.reuseConnection()) {
        closeConnection();
      }
      finish(a, null);
    }

    // -------------------------------------------------------------- connections

    void onConnectionClosed(Channel ch) {
      if (ch == connection) {
        connection = null;
        Object a = attempt;
        if (a != null) {
          finish(a, Failure.NETWORK);
        }
      }
    }

    private ChannelFuture connect(java.util.function.Consumer<Channel> pipeline) {
      Bootstrap b = new Bootstrap()
          .group(loop)
          .channel(cluster.transport().channel())
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, config.timeout().toMillis()))
          .handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
              host.transportSocket.install(ch, host);
              pipeline.accept(ch);
            }
          });
      // the cluster's socket options and tcp_keepalive apply to health-check connections too, as in Envoy
      io.wasmplane.dataplane.server.ChannelSocketOptions.upstream(b, cluster.config().socketOptions(), cluster.transport());
      return b.connect(host.address());
    }

    void closeConnection() {
      Channel c = connection;
      connection = null;
      if (c != null) {
        c.close();
      }
    }
  }

  private static void cancel(ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  /** Feeds HTTP responses (a connection's or an HTTP/2 stream's) to the session. */
  private static final class ResponseHandler extends ChannelInboundHandlerAdapter {
    private final Session session;

    ResponseHandler(Session session) {
      this.session = session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof HttpObject o && o.decoderResult().isSuccess()) {
          session.onResponse(o, ctx.channel());
        } else if (msg instanceof HttpObject) {
          ctx.channel().close();
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (ctx.channel() instanceof Http2StreamChannel && session.attempt != null) {
        session.finish(session.attempt, Failure.NETWORK); // the stream was reset before its answer
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private static final class TcpHandler extends ChannelInboundHandlerAdapter {
    private final Session session;

    TcpHandler(Session session) {
      this.session = session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf b) {
        session.onTcpData(b);
      } else {
        ReferenceCountUtil.release(msg);
      }
    }
  }

  /** A connection that closes fails the check in flight (a network failure). */
  private static final class CloseWatcher extends ChannelInboundHandlerAdapter {
    private final Session session;

    CloseWatcher(Session session) {
      this.session = session;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      session.onConnectionClosed(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}

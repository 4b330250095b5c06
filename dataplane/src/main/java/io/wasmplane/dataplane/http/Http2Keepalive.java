package io.wasmplane.dataplane.http;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import io.wasmplane.dataplane.config.Http2Options;
import io.wasmplane.dataplane.stats.Counter;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * connection_keepalive on one HTTP/2 connection, with one timer on its event loop: a PING every interval (plus jitter);
 * when its ACK is not back within the timeout the connection is closed and counted ({@code http2.keepalive_timeout}).
 * As in Envoy, any frame received while a PING is outstanding extends the timeout (head-of-line blocking is not death).
 * Every method runs on the connection's event loop.
 */
public final class Http2Keepalive {
  private static final Logger log = LoggerFactory.getLogger(Http2Keepalive.class);

  /** Writes and flushes a PING (not an ACK) carrying {@code data}. */
  public interface PingWriter {
    void ping(long data);
  }

  private final Channel channel;
  private final Http2Options.Keepalive config;
  private final PingWriter writer;
  private final Counter timeouts;
  private ScheduledFuture<?> timer;
  private boolean awaitingAck;
  private long payload;
  private long pingSentNanos;
  private long lastReadNanos = System.nanoTime();
  private boolean stopped;

  public Http2Keepalive(Channel channel, Http2Options.Keepalive config, PingWriter writer, Counter timeouts) {
    this.channel = channel;
    this.config = config;
    this.writer = writer;
    this.timeouts = timeouts;
  }

  /** After the preface: arms the interval timer; stops by itself when the connection closes. */
  public void start() {
    lastReadNanos = System.nanoTime();
    channel.closeFuture().addListener(f -> stop());
    armInterval();
  }

  /** Something arrived on the connection. */
  public void onRead() {
    lastReadNanos = System.nanoTime();
  }

  /** The peer answered a PING. */
  public void onPingAck(long data) {
    if (!awaitingAck || data != payload) {
      return;
    }
    awaitingAck = false;
    cancelTimer();
    armInterval();
  }

  /** connection_idle_interval: a new stream on a connection quiet for that long sends a PING first. */
  public void beforeNewStream() {
    long idle = config.connectionIdleInterval().toNanos();
    if (idle > 0 && !awaitingAck && System.nanoTime() - lastReadNanos > idle) {
      cancelTimer();
      sendPing();
    }
  }

  private void armInterval() {
    long interval = config.interval().toNanos();
    if (stopped || interval <= 0) {
      return;
    }
    long jitter = (long) (interval * config.jitterPercent() / 100);
    long delay = interval + (jitter > 0 ? ThreadLocalRandom.current().nextLong(jitter + 1) : 0);
    timer = channel.eventLoop().schedule(this::sendPing, delay, TimeUnit.NANOSECONDS);
  }

  private void sendPing() {
    if (stopped || !channel.isActive()) {
      return;
    }
    awaitingAck = true;
    payload = ThreadLocalRandom.current().nextLong();
    pingSentNanos = System.nanoTime();
    writer.ping(payload);
    timer = channel.eventLoop().schedule(this::checkAck, config.timeout().toNanos(), TimeUnit.NANOSECONDS);
  }

  private void checkAck() {
    if (stopped || !awaitingAck) {
      return;
    }
    long deadline = Math.max(pingSentNanos, lastReadNanos) + config.timeout().toNanos();
    long left = deadline - System.nanoTime();
    if (left > 0) {
      timer = channel.eventLoop().schedule(this::checkAck, left, TimeUnit.NANOSECONDS);
      return;
    }
    timeouts.inc();
    log.debug("event=h2_keepalive_timeout remote={}", channel.remoteAddress());
    stop();
    channel.close();
  }

  private void stop() {
    stopped = true;
    cancelTimer();
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}

package io.wasmplane.dataplane.filters.ratelimit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's local rate limit token bucket: starts full, and every fill_interval tokens_per_fill tokens are added (never
 * above max_tokens); each request or connection takes one. Shared by every worker and lock-free: the fills Envoy's
 * timer would have made are credited by whichever caller first sees a fill interval boundary passed (one CAS), so no
 * timer outlives a config.
 */
public final class TokenBucket {
  private final long maxTokens;
  private final long tokensPerFill;
  private final long intervalNanos;
  private final long originNanos;
  private final AtomicLong tokens;
  /** Fill intervals since the origin whose tokens were added. */
  private final AtomicLong fills = new AtomicLong();

  public TokenBucket(TokenBucketSpec spec) {
    this(spec, System.nanoTime());
  }

  TokenBucket(TokenBucketSpec spec, long nowNanos) {
    this.maxTokens = spec.maxTokens();
    this.tokensPerFill = spec.tokensPerFill();
    this.intervalNanos = spec.fillInterval().toNanos();
    this.originNanos = nowNanos;
    this.tokens = new AtomicLong(maxTokens);
  }

  public boolean tryConsume() {
    return tryConsume(System.nanoTime());
  }

  boolean tryConsume(long nowNanos) {
    refill(nowNanos);
    while (true) {
      long t = tokens.get();
      if (t <= 0) {
        return false;
      }
      if (tokens.compareAndSet(t, t - 1)) {
        return true;
      }
    }
  }

  /** Tokens per second at which the bucket refills. */
  double fillRate() {
    return (double) tokensPerFill / intervalNanos * 1e9;
  }

  public long maxTokens() {
    return maxTokens;
  }

  /** Tokens left now (x-ratelimit-remaining). */
  public long remaining() {
    refill(System.nanoTime());
    return tokens.get();
  }

  /** Whole seconds until the next fill (x-ratelimit-reset), truncated as Envoy's timer-based bucket reports them. */
  public long secondsToNextFill() {
    return secondsToNextFill(System.nanoTime());
  }

  long secondsToNextFill(long nowNanos) {
    long elapsed = nowNanos - originNanos;
    long next = (elapsed / intervalNanos + 1) * intervalNanos;
    return (next - elapsed) / 1_000_000_000L;
  }

  private void refill(long nowNanos) {
    long due = (nowNanos - originNanos) / intervalNanos;
    long done = fills.get();
    if (due <= done || !fills.compareAndSet(done, due)) {
      return; // nothing due, or another caller is crediting this fill
    }
    long intervals = due - done;
    long add = intervals >= maxTokens ? maxTokens : Math.min(maxTokens, intervals * tokensPerFill);
    tokens.getAndUpdate(t -> Math.min(maxTokens, t + add));
  }
}

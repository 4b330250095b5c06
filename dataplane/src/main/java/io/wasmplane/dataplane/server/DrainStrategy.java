package io.wasmplane.dataplane.server;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's {@code --drain-strategy}: how a drain sequence (a graceful {@code /drain_listeners}, a listener replaced or
 * removed by LDS) asks connections to close. {@link #GRADUAL} (Envoy's default) asks a share of them that grows from
 * none to all over the drain time, so that clients do not all reconnect at once; {@link #IMMEDIATE} asks all of them
 * at the start (what Istio runs its proxies with).
 */
public enum DrainStrategy {
  GRADUAL,
  IMMEDIATE;

  /** The command-line spelling ({@code gradual}, {@code immediate}); null for anything else. */
  public static DrainStrategy parse(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "gradual" -> GRADUAL;
      case "immediate" -> IMMEDIATE;
      default -> null;
    };
  }

  /**
   * Whether a response {@code elapsedNanos} into a drain of {@code drainNanos} should close its connection: always
   * for IMMEDIATE; for GRADUAL with probability elapsed / drain time, as Envoy's drain manager decides.
   */
  boolean encouragesClose(long elapsedNanos, long drainNanos) {
    if (this == IMMEDIATE || elapsedNanos >= drainNanos) {
      return true;
    }
    return elapsedNanos > 0 && ThreadLocalRandom.current().nextLong(drainNanos) < elapsedNanos;
  }

  /**
   * When a connection of a draining listener is told to drain (GOAWAY, or close after its next response), in
   * milliseconds from the start: at once for IMMEDIATE, spread evenly at random over the drain time for GRADUAL.
   */
  long notifyDelayMillis(long drainMillis) {
    return this == IMMEDIATE || drainMillis <= 0 ? 0 : ThreadLocalRandom.current().nextLong(drainMillis);
  }
}

package io.wasmplane.dataplane.config;

/**
 * One socket option Envoy's {@code socket_options} (or a cluster's {@code tcp_keepalive}) sets, limited to those a
 * Netty/JDK channel option can set; {@code state} is when Envoy sets it (before bind, after bind, after listen).
 */
public record SocketOptionSpec(Name name, int value, State state) {

  /** The options we can set, with their Linux level and number (what Envoy's SocketOption carries). */
  public enum Name {
    SO_REUSEADDR(1, 2), SO_SNDBUF(1, 7), SO_RCVBUF(1, 8), SO_KEEPALIVE(1, 9),
    TCP_NODELAY(6, 1), TCP_KEEPIDLE(6, 4), TCP_KEEPINTVL(6, 5), TCP_KEEPCNT(6, 6);

    final long level;
    final long number;

    Name(long level, long number) {
      this.level = level;
      this.number = number;
    }

    static Name of(long level, long number) {
      for (Name n : values()) {
        if (n.level == level && n.number == number) {
          return n;
        }
      }
      return null;
    }

    /** The largest value Linux accepts (keepalive times in seconds, probe count). */
    public int max() {
      return switch (this) {
        case TCP_KEEPIDLE, TCP_KEEPINTVL -> 32767;
        case TCP_KEEPCNT -> 127;
        default -> Integer.MAX_VALUE;
      };
    }

    /** Options whose value is a flag (0 off, anything else on). */
    public boolean flag() {
      return this == SO_REUSEADDR || this == SO_KEEPALIVE || this == TCP_NODELAY;
    }
  }

  public enum State { PREBIND, BOUND, LISTENING }
}

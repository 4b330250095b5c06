package io.wasmplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What the client needs from the bootstrap, validated once. Build it with {@link #builder(ServerTarget, Node)} or
 * from an Envoy Bootstrap with {@link EnvoyBootstrapConfigs}.
 *
 * @param initialFetchTimeout how long a named resource may take to arrive before watchers hear
 *     {@code onResourceDoesNotExist}; zero disables (Envoy's default is 15 s)
 * @param backoffBase first reconnect delay cap; it doubles per failed attempt up to {@code backoffMax}, and the
 *     actual delay is drawn from [cap/2, cap]
 * @param verdictTimeout how long the client waits for a watcher's verdict before treating it as a rejection
 * @param repeatedNackDelayMax a response identical to one already rejected (some servers resend after every NACK)
 *     is NACKed after a growing delay capped here, so the NACK/resend loop stays slow
 * @param nodeOnFirstMessageOnly Envoy's {@code set_node_on_first_message_only}: by default (false) every request
 *     carries the node, as Envoy does; servers that group by node (java-control-plane) need it
 */
public record XdsClientConfig(ServerTarget server, Optional<TlsOptions> tls, Node node, XdsProtocol protocol,
    Duration initialFetchTimeout, Duration backoffBase, Duration backoffMax, Duration keepaliveTime,
    Duration keepaliveTimeout, Duration verdictTimeout, Duration repeatedNackDelayMax,
    boolean nodeOnFirstMessageOnly) {

  public XdsClientConfig {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(protocol, "protocol");
    requirePositive(backoffBase, "backoffBase");
    requirePositive(backoffMax, "backoffMax");
    requirePositive(keepaliveTime, "keepaliveTime");
    requirePositive(keepaliveTimeout, "keepaliveTimeout");
    requirePositive(verdictTimeout, "verdictTimeout");
    requirePositive(repeatedNackDelayMax, "repeatedNackDelayMax");
    if (initialFetchTimeout.isNegative()) {
      throw new IllegalArgumentException("initialFetchTimeout is negative");
    }
    if (backoffMax.compareTo(backoffBase) < 0) {
      throw new IllegalArgumentException("backoffMax < backoffBase");
    }
  }

  private static void requirePositive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive");
    }
  }

  public static Builder builder(ServerTarget server, Node node) {
    return new Builder(server, node);
  }

  /** Defaults: SotW, plaintext, 15 s initial fetch timeout, backoff 500 ms..30 s, keepalive 30 s/10 s. */
  public static final class Builder {
    private final ServerTarget server;
    private final Node node;
    private Optional<TlsOptions> tls = Optional.empty();
    private XdsProtocol protocol = XdsProtocol.STATE_OF_THE_WORLD;
    private Duration initialFetchTimeout = Duration.ofSeconds(15);
    private Duration backoffBase = Duration.ofMillis(500);
    private Duration backoffMax = Duration.ofSeconds(30);
    private Duration keepaliveTime = Duration.ofSeconds(30);
    private Duration keepaliveTimeout = Duration.ofSeconds(10);
    private Duration verdictTimeout = Duration.ofSeconds(60);
    private Duration repeatedNackDelayMax = Duration.ofSeconds(2);
    private boolean nodeOnFirstMessageOnly;

    private Builder(ServerTarget server, Node node) {
      this.server = server;
      this.node = node;
    }

    public Builder tls(TlsOptions tls) {
      this.tls = Optional.of(tls);
      return this;
    }

    public Builder protocol(XdsProtocol protocol) {
      this.protocol = protocol;
      return this;
    }

    public Builder initialFetchTimeout(Duration d) {
      this.initialFetchTimeout = d;
      return this;
    }

    public Builder backoff(Duration base, Duration max) {
      this.backoffBase = base;
      this.backoffMax = max;
      return this;
    }

    public Builder keepalive(Duration time, Duration timeout) {
      this.keepaliveTime = time;
      this.keepaliveTimeout = timeout;
      return this;
    }

    public Builder verdictTimeout(Duration d) {
      this.verdictTimeout = d;
      return this;
    }

    public Builder repeatedNackDelayMax(Duration d) {
      this.repeatedNackDelayMax = d;
      return this;
    }

    public Builder nodeOnFirstMessageOnly(boolean value) {
      this.nodeOnFirstMessageOnly = value;
      return this;
    }

    public XdsClientConfig build() {
      return new XdsClientConfig(server, tls, node, protocol, initialFetchTimeout, backoffBase, backoffMax,
          keepaliveTime, keepaliveTimeout, verdictTimeout, repeatedNackDelayMax, nodeOnFirstMessageOnly);
    }
  }
}

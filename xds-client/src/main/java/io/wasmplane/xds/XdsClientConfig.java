package io.wasmplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the client needs from the bootstrap, validated once. Build it with {@link #builder(ServerTarget, Node)} (an
 * ADS server), {@link #builder(Node)} (no ADS: every subscription names its server) or from an Envoy Bootstrap with
 * {@link EnvoyBootstrapConfigs}.
 *
 * @param ads the ADS server ({@code dynamic_resources.ads_config}), if any
 * @param ldsSource where the wildcard LDS subscription goes ({@code lds_config})
 * @param cdsSource where the wildcard CDS subscription goes ({@code cds_config})
 * @param resolver resolves config sources found in resources ({@code rds.config_source}, {@code eds_config}, ...)
 * @param initialFetchTimeout how long a named resource may take to arrive before watchers hear
 *     {@code onResourceDoesNotExist}; zero disables (Envoy's default is 15 s)
 * @param backoffBase first reconnect delay cap; it doubles per failed attempt up to {@code backoffMax}, and the
 *     actual delay is drawn from [cap/2, cap]
 * @param verdictTimeout how long the client waits for a watcher's verdict before treating it as a rejection
 * @param repeatedNackDelayMax a response identical to one already rejected (some servers resend after every NACK)
 *     is NACKed after a growing delay capped here, so the NACK/resend loop stays slow
 */
public record XdsClientConfig(Optional<ServerInfo> ads, Node node, XdsSource ldsSource, XdsSource cdsSource,
    ConfigSourceResolver resolver, Duration initialFetchTimeout, Duration backoffBase, Duration backoffMax,
    Duration keepaliveTime, Duration keepaliveTimeout, Duration verdictTimeout, Duration repeatedNackDelayMax) {

  public XdsClientConfig {
    Objects.requireNonNull(ads, "ads");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(ldsSource, "ldsSource");
    Objects.requireNonNull(cdsSource, "cdsSource");
    Objects.requireNonNull(resolver, "resolver");
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

  /** A client whose default source for every type is the ADS server at {@code server}. */
  public static Builder builder(ServerTarget server, Node node) {
    return new Builder(Optional.of(ServerInfo.ads(server)), node);
  }

  /** A client without ADS: set {@link Builder#ldsSource} / {@link Builder#cdsSource} and watch with a source. */
  public static Builder builder(Node node) {
    return new Builder(Optional.empty(), node);
  }

  /** Defaults: SotW, plaintext, 15 s initial fetch timeout, backoff 500 ms..30 s, keepalive 30 s/10 s. */
  public static final class Builder {
    private Optional<ServerInfo> ads;
    private final Node node;
    private XdsSource ldsSource = XdsSource.ADS;
    private XdsSource cdsSource = XdsSource.ADS;
    private ConfigSourceResolver resolver = ConfigSources.resolver(List.of());
    private Duration initialFetchTimeout = Duration.ofSeconds(15);
    private Duration backoffBase = Duration.ofMillis(500);
    private Duration backoffMax = Duration.ofSeconds(30);
    private Duration keepaliveTime = Duration.ofSeconds(30);
    private Duration keepaliveTimeout = Duration.ofSeconds(10);
    private Duration verdictTimeout = Duration.ofSeconds(60);
    private Duration repeatedNackDelayMax = Duration.ofSeconds(2);

    private Builder(Optional<ServerInfo> ads, Node node) {
      this.ads = ads;
      this.node = node;
    }

    private ServerInfo requireAds() {
      return ads.orElseThrow(() -> new IllegalStateException("no ADS server configured"));
    }

    /** TLS/mTLS for the ADS server. */
    public Builder tls(TlsOptions tls) {
      this.ads = Optional.of(requireAds().withTls(tls));
      return this;
    }

    /** SotW or delta for the ADS server. */
    public Builder protocol(XdsProtocol protocol) {
      this.ads = Optional.of(requireAds().withProtocol(protocol));
      return this;
    }

    /** Envoy's {@code set_node_on_first_message_only} for the ADS server. */
    public Builder nodeOnFirstMessageOnly(boolean value) {
      this.ads = Optional.of(requireAds().withNodeOnFirstMessageOnly(value));
      return this;
    }

    public Builder ads(ServerInfo server) {
      this.ads = Optional.of(server);
      return this;
    }

    public Builder ldsSource(XdsSource source) {
      this.ldsSource = source;
      return this;
    }

    public Builder cdsSource(XdsSource source) {
      this.cdsSource = source;
      return this;
    }

    public Builder resolver(ConfigSourceResolver resolver) {
      this.resolver = resolver;
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

    public XdsClientConfig build() {
      return new XdsClientConfig(ads, node, ldsSource, cdsSource, resolver, initialFetchTimeout, backoffBase,
          backoffMax, keepaliveTime, keepaliveTimeout, verdictTimeout, repeatedNackDelayMax);
    }
  }
}

package io.wasmplane.xds;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a subscription is fetched from: Envoy's {@code ConfigSource}, resolved. Either the bootstrap's ADS stream
 * ({@code ads: {}}) or a server of its own ({@code api_config_source}, one stream per resource type), with the config
 * source's {@code initial_fetch_timeout} when it sets one (else the client's default applies).
 */
public sealed interface XdsSource {
  /** {@code ads: {}}: the aggregated stream of {@code dynamic_resources.ads_config}. */
  XdsSource ADS = new Ads(Optional.empty());

  static XdsSource server(ServerInfo server) {
    return new Server(server, Optional.empty());
  }

  /** The config source's own initial_fetch_timeout; empty = the client's default. */
  Optional<Duration> initialFetchTimeout();

  /** The ADS stream. */
  record Ads(Optional<Duration> initialFetchTimeout) implements XdsSource {
    public Ads {
      Objects.requireNonNull(initialFetchTimeout, "initialFetchTimeout");
    }

    @Override
    public String toString() {
      return "ads";
    }
  }

  /** A control plane of its own. */
  record Server(ServerInfo info, Optional<Duration> initialFetchTimeout) implements XdsSource {
    public Server {
      Objects.requireNonNull(info, "info");
      Objects.requireNonNull(initialFetchTimeout, "initialFetchTimeout");
    }

    @Override
    public String toString() {
      return info.toString();
    }
  }
}

package io.wasmplane.xds;

import java.util.Objects;

/**
 * Where a subscription is fetched from: Envoy's {@code ConfigSource}, resolved. Either the bootstrap's ADS stream
 * ({@code ads: {}}) or a server of its own ({@code api_config_source}, one stream per resource type).
 */
public sealed interface XdsSource {
  /** {@code ads: {}}: the aggregated stream of {@code dynamic_resources.ads_config}. */
  XdsSource ADS = new Ads();

  static XdsSource server(ServerInfo server) {
    return new Server(server);
  }

  /** The ADS stream. */
  record Ads() implements XdsSource {
    @Override
    public String toString() {
      return "ads";
    }
  }

  /** A control plane of its own. */
  record Server(ServerInfo info) implements XdsSource {
    public Server {
      Objects.requireNonNull(info, "info");
    }

    @Override
    public String toString() {
      return info.toString();
    }
  }
}

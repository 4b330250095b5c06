package io.wasmplane.xds;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.time.Duration;
import java.util.Optional;

/**
 * Builds an {@link XdsClientConfig} from an Envoy v3 {@code Bootstrap}'s {@code dynamic_resources}:
 * {@code ads_config} ({@code GRPC} or {@code DELTA_GRPC}, V3), and {@code lds_config} / {@code cds_config} with
 * {@code ads: {}} or their own {@code api_config_source}; config sources are resolved by {@link ConfigSources}
 * against the bootstrap's static clusters (also for the config sources inside resources later). Errors name the
 * bootstrap field.
 */
public final class EnvoyBootstrapConfigs {
  private static final Duration ENVOY_DEFAULT_INITIAL_FETCH_TIMEOUT = Duration.ofSeconds(15);

  private EnvoyBootstrapConfigs() { }

  /**
   * @param agentName user_agent_name to report when the bootstrap's node has none (Envoy reports "envoy")
   * @param agentVersion user_agent_version to report when the node has neither user_agent_version nor a build version
   */
  public static XdsClientConfig.Builder fromBootstrap(Bootstrap bootstrap, String agentName, String agentVersion) {
    var dynamic = bootstrap.getDynamicResources();
    if (!dynamic.hasAdsConfig() && !dynamic.hasLdsConfig() && !dynamic.hasCdsConfig()) {
      throw new IllegalArgumentException("dynamic_resources needs ads_config, lds_config or cds_config");
    }
    ConfigSourceResolver resolver = ConfigSources.resolver(bootstrap.getStaticResources().getClustersList());
    Optional<ServerInfo> ads = dynamic.hasAdsConfig()
        ? Optional.of(ConfigSources.server(dynamic.getAdsConfig(),
            ConfigSources.byName(bootstrap.getStaticResources().getClustersList()), "dynamic_resources.ads_config", true))
        : Optional.empty();
    XdsSource lds = source(dynamic.hasLdsConfig() ? dynamic.getLdsConfig() : null, "lds_config", resolver, ads);
    XdsSource cds = source(dynamic.hasCdsConfig() ? dynamic.getCdsConfig() : null, "cds_config", resolver, ads);

    Duration initialFetch = ENVOY_DEFAULT_INITIAL_FETCH_TIMEOUT;
    ConfigSource timeoutSource = dynamic.hasLdsConfig() ? dynamic.getLdsConfig()
        : dynamic.hasCdsConfig() ? dynamic.getCdsConfig() : null;
    if (timeoutSource != null && timeoutSource.hasInitialFetchTimeout()) {
      var d = timeoutSource.getInitialFetchTimeout();
      initialFetch = Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    XdsClientConfig.Builder b = XdsClientConfig.builder(node(bootstrap.getNode(), agentName, agentVersion))
        .ldsSource(lds)
        .cdsSource(cds)
        .resolver(resolver)
        .initialFetchTimeout(initialFetch);
    ads.ifPresent(b::ads);
    return b;
  }

  /** lds_config / cds_config; absent = ADS (only LDS/CDS of a bootstrap that configures them are watched). */
  private static XdsSource source(ConfigSource source, String field, ConfigSourceResolver resolver,
      Optional<ServerInfo> ads) {
    if (source == null) {
      return XdsSource.ADS;
    }
    String at = "dynamic_resources." + field;
    XdsSource resolved = resolver.resolve(source, at);
    if (resolved instanceof XdsSource.Ads && ads.isEmpty()) {
      throw new IllegalArgumentException(at + ": 'ads: {}' needs dynamic_resources.ads_config");
    }
    return resolved;
  }

  /** Fills the user agent the way Envoy does, keeping whatever the bootstrap set. */
  static Node node(Node node, String agentName, String agentVersion) {
    Node.Builder b = node.toBuilder();
    if (b.getUserAgentName().isEmpty()) {
      b.setUserAgentName(agentName);
    }
    if (!b.hasUserAgentBuildVersion() && b.getUserAgentVersion().isEmpty()) {
      b.setUserAgentVersion(agentVersion);
    }
    return b.build();
  }
}

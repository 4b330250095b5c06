package io.wasmplane.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds an {@link XdsClientConfig} from an Envoy v3 {@code Bootstrap}: {@code dynamic_resources.ads_config}
 * ({@code GRPC} or {@code DELTA_GRPC}, V3) whose gRPC service is either {@code envoy_grpc.cluster_name} naming a
 * static cluster (STATIC endpoints become fixed addresses; DNS clusters become a target; its
 * {@code transport_socket} UpstreamTlsContext becomes TLS/mTLS) or {@code google_grpc.target_uri} (with
 * {@code ssl_credentials} from files). Errors name the bootstrap field.
 */
public final class EnvoyBootstrapConfigs {
  private static final String TLS_CONTEXT_TYPE = "type.googleapis.com/" + UpstreamTlsContext.getDescriptor().getFullName();
  private static final Duration ENVOY_DEFAULT_INITIAL_FETCH_TIMEOUT = Duration.ofSeconds(15);

  private EnvoyBootstrapConfigs() { }

  /**
   * @param agentName user_agent_name to report when the bootstrap's node has none (Envoy reports "envoy")
   * @param agentVersion user_agent_version to report when the node has neither user_agent_version nor a build version
   */
  public static XdsClientConfig.Builder fromBootstrap(Bootstrap bootstrap, String agentName, String agentVersion) {
    if (!bootstrap.hasDynamicResources() || !bootstrap.getDynamicResources().hasAdsConfig()) {
      throw new IllegalArgumentException("dynamic_resources.ads_config is required");
    }
    var dynamic = bootstrap.getDynamicResources();
    ApiConfigSource ads = dynamic.getAdsConfig();
    XdsProtocol protocol = switch (ads.getApiType()) {
      case GRPC -> XdsProtocol.STATE_OF_THE_WORLD;
      case DELTA_GRPC -> XdsProtocol.DELTA;
      default -> throw new IllegalArgumentException(
          "dynamic_resources.ads_config.api_type: " + ads.getApiType() + " is not supported (GRPC or DELTA_GRPC)");
    };
    if (ads.getTransportApiVersion() != ApiVersion.V3) {
      throw new IllegalArgumentException("dynamic_resources.ads_config.transport_api_version must be V3");
    }
    checkConfigSource(dynamic.hasLdsConfig() ? dynamic.getLdsConfig() : null, "lds_config");
    checkConfigSource(dynamic.hasCdsConfig() ? dynamic.getCdsConfig() : null, "cds_config");
    if (ads.getGrpcServicesCount() == 0) {
      throw new IllegalArgumentException("dynamic_resources.ads_config.grpc_services is empty");
    }
    GrpcService service = ads.getGrpcServices(0);
    ServerTarget target;
    Optional<TlsOptions> tls;
    switch (service.getTargetSpecifierCase()) {
      case ENVOY_GRPC -> {
        String clusterName = service.getEnvoyGrpc().getClusterName();
        Cluster cluster = bootstrap.getStaticResources().getClustersList().stream()
            .filter(c -> c.getName().equals(clusterName)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("dynamic_resources.ads_config.grpc_services[0]"
                + ".envoy_grpc.cluster_name: no static cluster named '" + clusterName + "'"));
        target = targetOf(cluster);
        tls = tlsOf(cluster);
      }
      case GOOGLE_GRPC -> {
        var google = service.getGoogleGrpc();
        if (google.getTargetUri().isEmpty()) {
          throw new IllegalArgumentException("ads_config.grpc_services[0].google_grpc.target_uri is empty");
        }
        target = ServerTarget.uri(google.getTargetUri());
        tls = Optional.empty();
        if (google.hasChannelCredentials() && google.getChannelCredentials().hasSslCredentials()) {
          var ssl = google.getChannelCredentials().getSslCredentials();
          tls = Optional.of(new TlsOptions(file(ssl.getRootCerts(), "ssl_credentials.root_certs"),
              file(ssl.getCertChain(), "ssl_credentials.cert_chain"),
              file(ssl.getPrivateKey(), "ssl_credentials.private_key"), Optional.empty()));
        }
      }
      default -> throw new IllegalArgumentException("ads_config.grpc_services[0] needs envoy_grpc or google_grpc");
    }

    Duration initialFetch = ENVOY_DEFAULT_INITIAL_FETCH_TIMEOUT;
    ConfigSource timeoutSource = dynamic.hasLdsConfig() ? dynamic.getLdsConfig()
        : dynamic.hasCdsConfig() ? dynamic.getCdsConfig() : null;
    if (timeoutSource != null && timeoutSource.hasInitialFetchTimeout()) {
      var d = timeoutSource.getInitialFetchTimeout();
      initialFetch = Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }

    XdsClientConfig.Builder b = XdsClientConfig.builder(target, node(bootstrap.getNode(), agentName, agentVersion))
        .protocol(protocol)
        .initialFetchTimeout(initialFetch)
        .nodeOnFirstMessageOnly(ads.getSetNodeOnFirstMessageOnly());
    tls.ifPresent(b::tls);
    return b;
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

  private static void checkConfigSource(ConfigSource source, String field) {
    if (source == null) {
      return;
    }
    if (source.getResourceApiVersion() != ApiVersion.V3) {
      throw new IllegalArgumentException("dynamic_resources." + field + ".resource_api_version must be V3");
    }
    if (!source.hasAds()) {
      throw new IllegalArgumentException("dynamic_resources." + field
          + ": only 'ads: {}' is supported (a separate api_config_source is not)");
    }
  }

  private static ServerTarget targetOf(Cluster cluster) {
    String at = "static cluster '" + cluster.getName() + "'";
    List<SocketAddress> socketAddresses = new ArrayList<>();
    for (LocalityLbEndpoints l : cluster.getLoadAssignment().getEndpointsList()) {
      for (LbEndpoint e : l.getLbEndpointsList()) {
        if (e.getEndpoint().getAddress().hasSocketAddress()) {
          socketAddresses.add(e.getEndpoint().getAddress().getSocketAddress());
        }
      }
    }
    if (socketAddresses.isEmpty()) {
      throw new IllegalArgumentException(at + ": load_assignment has no socket_address endpoint");
    }
    switch (cluster.getType()) {
      case STATIC -> {
        List<InetSocketAddress> out = new ArrayList<>();
        for (SocketAddress sa : socketAddresses) {
          out.add(new InetSocketAddress(sa.getAddress(), sa.getPortValue()));
        }
        return ServerTarget.addresses(out);
      }
      case STRICT_DNS, LOGICAL_DNS -> {
        SocketAddress sa = socketAddresses.get(0);
        return ServerTarget.uri("dns:///" + sa.getAddress() + ":" + sa.getPortValue());
      }
      default -> throw new IllegalArgumentException(at + ": type " + cluster.getType()
          + " is not supported for the xDS cluster (STATIC, STRICT_DNS or LOGICAL_DNS)");
    }
  }

  private static Optional<TlsOptions> tlsOf(Cluster cluster) {
    if (!cluster.hasTransportSocket()) {
      return Optional.empty();
    }
    var ts = cluster.getTransportSocket();
    String at = "static cluster '" + cluster.getName() + "'.transport_socket";
    if (!ts.hasTypedConfig() || !TLS_CONTEXT_TYPE.equals(ts.getTypedConfig().getTypeUrl())) {
      throw new IllegalArgumentException(at + ": only an UpstreamTlsContext is supported");
    }
    UpstreamTlsContext ctx;
    try {
      ctx = ts.getTypedConfig().unpack(UpstreamTlsContext.class);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(at + ": malformed UpstreamTlsContext: " + e.getMessage(), e);
    }
    CommonTlsContext common = ctx.getCommonTlsContext();
    Optional<Path> chain = Optional.empty();
    Optional<Path> key = Optional.empty();
    if (common.getTlsCertificatesCount() > 0) {
      var cert = common.getTlsCertificates(0);
      chain = file(cert.getCertificateChain(), at + ".tls_certificates[0].certificate_chain");
      key = file(cert.getPrivateKey(), at + ".tls_certificates[0].private_key");
    }
    Optional<Path> ca = common.hasValidationContext()
        ? file(common.getValidationContext().getTrustedCa(), at + ".validation_context.trusted_ca")
        : Optional.empty();
    Optional<String> sni = ctx.getSni().isEmpty() ? Optional.empty() : Optional.of(ctx.getSni());
    return Optional.of(new TlsOptions(ca, chain, key, sni));
  }

  private static Optional<Path> file(DataSource ds, String field) {
    return switch (ds.getSpecifierCase()) {
      case SPECIFIER_NOT_SET -> Optional.empty();
      case FILENAME -> Optional.of(Path.of(ds.getFilename()));
      default -> throw new IllegalArgumentException(field + ": only 'filename' is supported");
    };
  }
}

package io.wasmplane.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Envoy config sources resolved against the bootstrap's static clusters: {@code ads: {}} is the ADS stream;
 * {@code api_config_source} ({@code GRPC} or {@code DELTA_GRPC}, transport V3) names a server through its first gRPC
 * service, {@code envoy_grpc.cluster_name} (a static cluster: STATIC endpoints become fixed addresses, DNS ones a
 * target, its {@code transport_socket} UpstreamTlsContext TLS/mTLS) or {@code google_grpc.target_uri} (with
 * {@code ssl_credentials} files). Errors name the field.
 */
public final class ConfigSources {
  private static final String TLS_CONTEXT_TYPE = "type.googleapis.com/" + UpstreamTlsContext.getDescriptor().getFullName();

  private ConfigSources() { }

  /** A resolver for config sources anywhere (bootstrap or resources), given the bootstrap's static clusters. */
  public static ConfigSourceResolver resolver(List<Cluster> staticClusters) {
    Map<String, Cluster> byName = byName(staticClusters);
    return (source, field) -> resolve(source, byName, field);
  }

  static Map<String, Cluster> byName(List<Cluster> clusters) {
    Map<String, Cluster> byName = new LinkedHashMap<>();
    clusters.forEach(c -> byName.putIfAbsent(c.getName(), c));
    return byName;
  }

  static XdsSource resolve(ConfigSource source, Map<String, Cluster> clusters, String field) {
    if (source.getResourceApiVersion() == ApiVersion.V2) {
      throw new IllegalArgumentException(field + ".resource_api_version: V2 is not supported (V3)");
    }
    java.util.Optional<java.time.Duration> timeout = source.hasInitialFetchTimeout()
        ? java.util.Optional.of(java.time.Duration.ofSeconds(source.getInitialFetchTimeout().getSeconds(),
            source.getInitialFetchTimeout().getNanos()))
        : java.util.Optional.empty();
    return switch (source.getConfigSourceSpecifierCase()) {
      case ADS -> new XdsSource.Ads(timeout);
      case API_CONFIG_SOURCE -> new XdsSource.Server(server(source.getApiConfigSource(), clusters,
          field + ".api_config_source", false), timeout);
      case SELF -> throw new IllegalArgumentException(field + ".self: not supported (use ads or api_config_source)");
      case PATH, PATH_CONFIG_SOURCE -> throw new IllegalArgumentException(field
          + ": filesystem config sources are not supported (use ads or api_config_source)");
      default -> throw new IllegalArgumentException(field + ": one of ads or api_config_source is required");
    };
  }

  /** The server an ApiConfigSource names (ads_config, or a per-type api_config_source). */
  static ServerInfo server(ApiConfigSource api, Map<String, Cluster> clusters, String field, boolean aggregated) {
    XdsProtocol protocol = switch (api.getApiType()) {
      case GRPC -> XdsProtocol.STATE_OF_THE_WORLD;
      case DELTA_GRPC -> XdsProtocol.DELTA;
      default -> throw new IllegalArgumentException(
          field + ".api_type: " + api.getApiType() + " is not supported (GRPC or DELTA_GRPC)");
    };
    if (api.getTransportApiVersion() != ApiVersion.V3) {
      throw new IllegalArgumentException(field + ".transport_api_version must be V3");
    }
    if (api.getGrpcServicesCount() == 0) {
      throw new IllegalArgumentException(field + ".grpc_services is empty");
    }
    GrpcService service = api.getGrpcServices(0);
    String at = field + ".grpc_services[0]";
    ServerTarget target;
    Optional<TlsOptions> tls;
    switch (service.getTargetSpecifierCase()) {
      case ENVOY_GRPC -> {
        String clusterName = service.getEnvoyGrpc().getClusterName();
        Cluster cluster = clusters.get(clusterName);
        if (cluster == null) {
          throw new IllegalArgumentException(at + ".envoy_grpc.cluster_name: no static cluster named '" + clusterName + "'");
        }
        target = targetOf(cluster);
        tls = tlsOf(cluster);
      }
      case GOOGLE_GRPC -> {
        var google = service.getGoogleGrpc();
        if (google.getTargetUri().isEmpty()) {
          throw new IllegalArgumentException(at + ".google_grpc.target_uri is empty");
        }
        target = ServerTarget.uri(google.getTargetUri());
        tls = Optional.empty();
        if (google.hasChannelCredentials() && google.getChannelCredentials().hasSslCredentials()) {
          var ssl = google.getChannelCredentials().getSslCredentials();
          String s = at + ".google_grpc.channel_credentials.ssl_credentials";
          tls = Optional.of(new TlsOptions(file(ssl.getRootCerts(), s + ".root_certs"),
              file(ssl.getCertChain(), s + ".cert_chain"), file(ssl.getPrivateKey(), s + ".private_key"),
              Optional.empty()));
        }
      }
      default -> throw new IllegalArgumentException(at + " needs envoy_grpc or google_grpc");
    }
    return new ServerInfo(target, tls, protocol, aggregated, api.getSetNodeOnFirstMessageOnly());
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

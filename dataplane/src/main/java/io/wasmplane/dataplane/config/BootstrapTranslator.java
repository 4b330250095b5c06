package io.wasmplane.dataplane.config;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StderrAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.wasm.v3.WasmAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.wasmplane.dataplane.wasm.PluginSpec;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Validates an Envoy Bootstrap and translates it, once, into immutable config records. */
public final class BootstrapTranslator {
  private static final Duration ROUTE_TIMEOUT_DEFAULT = Duration.ofSeconds(15);
  private static final Duration HCM_IDLE_DEFAULT = Duration.ofHours(1);
  private static final Duration TCP_IDLE_DEFAULT = Duration.ofHours(1);
  private static final Duration STATS_FLUSH_DEFAULT = Duration.ofSeconds(5);
  private static final Duration STREAM_IDLE_DEFAULT = Duration.ofMinutes(5);
  private static final Duration CONNECT_TIMEOUT_DEFAULT = Duration.ofSeconds(5);
  private static final long BUFFER_LIMIT_DEFAULT = 1024 * 1024;

  private BootstrapTranslator() {}

  public static DataplaneConfig translate(Bootstrap b, Optional<String> serviceNode, Optional<String> serviceCluster) {
    b = TypedStructs.expand(b, "bootstrap");
    FieldGuard.onlySupported(b, "bootstrap", Set.of("node", "admin", "static_resources", "dynamic_resources", "layered_runtime",
        "stats_flush_interval", "stats_sinks", "bootstrap_extensions", "stats_config"));
    NodeInfo node = new NodeInfo(serviceNode.orElse(b.getNode().getId()), serviceCluster.orElse(b.getNode().getCluster()));
    Optional<AdminConfig> admin = Optional.empty();
    if (b.hasAdmin()) {
      FieldGuard.onlySupported(b.getAdmin(), "admin", Set.of("address", "access_log_path", "profile_path", "access_log"));
      if (b.getAdmin().hasAddress()) {
        admin = Optional.of(new AdminConfig(socketAddress(b.getAdmin().getAddress(), "admin.address")));
      }
    }
    FieldGuard.onlySupported(b.getStaticResources(), "static_resources", Set.of("listeners", "clusters", "secrets"));
    Map<String, SecretSpec> secrets = staticSecrets(b);
    List<ClusterConfig> clusters = new ArrayList<>();
    Set<String> clusterNames = new HashSet<>();
    for (Cluster c : b.getStaticResources().getClustersList()) {
      if (c.getType() == Cluster.DiscoveryType.EDS) {
        // Static EDS clusters would need an EDS subscription of their own; ours come from CDS.
        throw new ConfigException("cluster " + c.getName() + ".type: EDS is not supported in static_resources (EDS clusters come from CDS)");
      }
      ClusterConfig cc = cluster(c);
      cc.allTls().forEach(t -> requireStaticSecrets(t.material(), secrets, "cluster " + cc.name()));
      if (!clusterNames.add(cc.name())) {
        throw new ConfigException("cluster " + cc.name() + ": duplicate cluster name");
      }
      clusters.add(cc);
    }
    List<ListenerConfig> listeners = new ArrayList<>();
    Set<String> listenerNames = new HashSet<>();
    for (Listener l : b.getStaticResources().getListenersList()) {
      ListenerConfig lc = listener(l, clusterNames);
      for (var c : lc.chains()) {
        c.tls().ifPresent(t -> requireStaticSecrets(t.material(), secrets, "listener " + lc.name()));
      }
      if (lc.chains().stream().anyMatch(c -> c.hcm() != null && c.hcm().rdsRouteConfigName().isPresent())) {
        // Only listeners that arrive over LDS follow an RDS subscription.
        throw new ConfigException("listener " + lc.name() + " http_connection_manager.rds: not supported on static listeners "
            + "(use route_config, or send the listener over LDS)");
      }
      if (!listenerNames.add(lc.name())) {
        throw new ConfigException("listener " + lc.name() + ": duplicate listener name");
      }
      listeners.add(lc);
    }
    return new DataplaneConfig(node, admin, List.copyOf(listeners), List.copyOf(clusters), b, wasmExtensions(b), secrets,
        StatsConfigTranslator.translate(b));
  }

  /** {@code static_resources.secrets} by name (SDS secrets without {@code sds_config} refer to these). */
  static Map<String, SecretSpec> staticSecrets(Bootstrap b) {
    Map<String, SecretSpec> secrets = new java.util.LinkedHashMap<>();
    for (var s : b.getStaticResources().getSecretsList()) {
      SecretSpec spec = TlsTranslator.secret(s, "secret " + (s.getName().isEmpty() ? "<unnamed>" : s.getName()));
      if (secrets.put(spec.name(), spec) != null) {
        throw new ConfigException("secret " + spec.name() + ": duplicate secret name");
      }
    }
    return Map.copyOf(secrets);
  }

  /** A static secret reference must name a static secret of the right kind. */
  static void requireStaticSecrets(TlsMaterial m, Map<String, SecretSpec> secrets, String where) {
    for (String n : io.wasmplane.dataplane.tls.SecretStore.dynamicNames(m)) {
      throw new ConfigException(where + ": SDS secret '" + n + "' with sds_config is only supported on resources from LDS/CDS "
          + "(a static listener or cluster is built before any secret can arrive)");
    }
    m.certificateSecrets().stream().filter(r -> !r.dynamic()).forEach(r -> requireSecret(r.name(), secrets, "tls_certificate", where));
    m.validationSecret().filter(r -> !r.dynamic()).ifPresent(r -> requireSecret(r.name(), secrets, "validation_context", where));
  }

  private static void requireSecret(String name, Map<String, SecretSpec> secrets, String kind, String where) {
    SecretSpec s = secrets.get(name);
    if (s == null) {
      throw new ConfigException(where + ": static secret '" + name + "' (" + kind + ") is not in static_resources.secrets");
    }
    if (!s.kind().equals(kind)) {
      throw new ConfigException(where + ": secret '" + name + "' is a " + s.kind() + ", a " + kind + " is needed here");
    }
  }

  // ---------------------------------------------------------------- bootstrap-level Wasm

  static WasmExtensionsConfig wasmExtensions(Bootstrap b) {
    Duration flush = b.hasStatsFlushInterval() ? duration(b.getStatsFlushInterval()) : STATS_FLUSH_DEFAULT;
    if (flush.isZero() || flush.isNegative()) {
      throw new ConfigException("bootstrap.stats_flush_interval: must be positive");
    }
    List<PluginSpec> sinks = new ArrayList<>();
    for (int i = 0; i < b.getStatsSinksCount(); i++) {
      var s = b.getStatsSinks(i);
      String w = "bootstrap.stats_sinks[" + i + "] " + s.getName();
      FieldGuard.onlySupported(s, w, Set.of("name", "typed_config"));
      if (!s.getTypedConfig().getTypeUrl().endsWith("/" + io.envoyproxy.envoy.extensions.stat_sinks.wasm.v3.Wasm.getDescriptor().getFullName())) {
        throw new ConfigException(w + ": unsupported stats sink (type " + s.getTypedConfig().getTypeUrl() + "); supported: "
            + EnvoyTypes.STAT_SINK_WASM);
      }
      var sink = unpack(s.getTypedConfig(), io.envoyproxy.envoy.extensions.stat_sinks.wasm.v3.Wasm.class, w + ".typed_config");
      sinks.add(PluginSpec.fromHttpFilter(asHttpWasm(sink.getConfig()), w + ".typed_config"));
    }
    List<WasmExtensionsConfig.Service> services = new ArrayList<>();
    for (int i = 0; i < b.getBootstrapExtensionsCount(); i++) {
      var e = b.getBootstrapExtensions(i);
      String w = "bootstrap.bootstrap_extensions[" + i + "] " + e.getName();
      if (!e.getTypedConfig().getTypeUrl().endsWith("/" + io.envoyproxy.envoy.extensions.wasm.v3.WasmService.getDescriptor().getFullName())) {
        throw new ConfigException(w + ": unsupported bootstrap extension (type " + e.getTypedConfig().getTypeUrl() + "); supported: "
            + EnvoyTypes.BOOTSTRAP_WASM);
      }
      var svc = unpack(e.getTypedConfig(), io.envoyproxy.envoy.extensions.wasm.v3.WasmService.class, w + ".typed_config");
      FieldGuard.onlySupported(svc, w + ".typed_config", Set.of("config", "singleton"));
      services.add(new WasmExtensionsConfig.Service(PluginSpec.fromHttpFilter(asHttpWasm(svc.getConfig()), w + ".typed_config"), svc.getSingleton()));
    }
    return new WasmExtensionsConfig(List.copyOf(sinks), List.copyOf(services), flush);
  }

  /** Every Wasm extension wraps one PluginConfig; the HTTP filter's parser validates it. */
  private static Any asHttpWasm(io.envoyproxy.envoy.extensions.wasm.v3.PluginConfig pc) {
    return Any.pack(io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm.newBuilder().setConfig(pc).build());
  }

  // ---------------------------------------------------------------- listeners

  public static ListenerConfig listener(Listener l, Set<String> clusterNames) {
    String where = "listener " + (l.getName().isEmpty() ? "<unnamed>" : l.getName());
    l = TypedStructs.expand(l, where);
    FieldGuard.onlySupported(l, where, Set.of("name", "address", "filter_chains", "per_connection_buffer_limit_bytes",
        "traffic_direction", "stat_prefix", "default_filter_chain", "listener_filters", "listener_filters_timeout",
        "continue_on_listener_filters_timeout", "use_original_dst", "bind_to_port", "socket_options", "access_log",
        "filter_chain_matcher", "drain_type"));
    if (!l.hasAddress()) {
      throw new ConfigException(where + ": field 'address' is required");
    }
    InetSocketAddress address = socketAddress(l.getAddress(), where + ".address");
    String name = l.getName().isEmpty() ? address.getHostString() + "_" + address.getPort() : l.getName();
    where = "listener " + name;
    if (l.getFilterChainsCount() == 0 && !l.hasDefaultFilterChain()) {
      throw new ConfigException(where + ": at least one filter_chains entry (or a default_filter_chain) is required");
    }
    long bufferLimit = l.hasPerConnectionBufferLimitBytes() ? l.getPerConnectionBufferLimitBytes().getValue() : BUFFER_LIMIT_DEFAULT;
    List<FilterChainConfig> chains = new ArrayList<>();
    boolean several = l.getFilterChainsCount() + (l.hasDefaultFilterChain() ? 1 : 0) > 1;
    for (int i = 0; i < l.getFilterChainsCount(); i++) {
      // Envoy ignores each chain's filter_chain_match when the listener has a filter_chain_matcher.
      FilterChain fc = l.hasFilterChainMatcher() ? l.getFilterChains(i).toBuilder().clearFilterChainMatch().build() : l.getFilterChains(i);
      chains.add(filterChain(fc, where, ".filter_chains[" + i + "]", several, clusterNames, bufferLimit));
    }
    Optional<FilterChainConfig> defaultChain = Optional.empty();
    if (l.hasDefaultFilterChain()) {
      if (l.getDefaultFilterChain().hasFilterChainMatch()) {
        throw new ConfigException(where + ".default_filter_chain.filter_chain_match: not allowed on the default chain");
      }
      defaultChain = Optional.of(filterChain(l.getDefaultFilterChain(), where, ".default_filter_chain", several, clusterNames,
          bufferLimit));
    }
    Optional<FilterChainMatcher> matcher = l.hasFilterChainMatcher()
        ? Optional.of(FilterChainMatcherTranslator.translate(l, where)) : Optional.empty();
    ListenerConfig config = new ListenerConfig(name, address, chains, defaultChain, ListenerFilters.translate(l, chains, where),
        l.hasUseOriginalDst() && l.getUseOriginalDst().getValue(), !l.hasBindToPort() || l.getBindToPort().getValue(),
        SocketOptionsTranslator.options(l.getSocketOptionsList(), where + ".socket_options"), listenerAccessLogs(l, where), matcher,
        ListenerDrainSpec.of(l));
    // Without a matcher: two chains with the same filter_chain_match are refused here.
    config.chainSelection();
    return config;
  }

  /**
   * One chain; {@code listener} is "listener NAME", {@code position} the chain's field path. Messages about its HCM or
   * TCP proxy name the chain only when the listener has several.
   */
  private static FilterChainConfig filterChain(FilterChain fc, String listener, String position, boolean several,
      Set<String> clusterNames, long bufferLimit) {
    String where = listener + position;
    FieldGuard.onlySupported(fc, where, Set.of("filters", "transport_socket", "name", "filter_chain_match", "metadata"));
    if (fc.getFiltersCount() == 0) {
      throw new ConfigException(where + ".filters: a terminal network filter (" + EnvoyTypes.HCM + " or "
          + EnvoyTypes.TCP_PROXY + ") is required");
    }
    String name = fc.getName().isEmpty() ? position.substring(1) : fc.getName();
    String owner = several ? listener + " filter chain '" + name + "'" : listener;
    FilterChainMatchSpec match = FilterChainMatches.translate(fc.getFilterChainMatch(), where + ".filter_chain_match");
    // Envoy's order: network filters first (here: envoy.filters.network.wasm), the terminal filter last.
    List<NetworkFilterConfig> networkFilters = new ArrayList<>();
    int last = fc.getFiltersCount() - 1;
    for (int i = 0; i < last; i++) {
      Filter nf = fc.getFilters(i);
      String w = where + ".filters[" + i + "]";
      FieldGuard.onlySupported(nf, w, Set.of("name", "typed_config", "config_discovery"));
      if (nf.hasConfigDiscovery()) {
        if (nf.getName().isEmpty()) {
          throw new ConfigException(w + ".name: required (it names the ECDS resource)");
        }
        networkFilters.add(new NetworkFilterConfig(nf.getName(), null, Optional.of(discovery(nf.getConfigDiscovery(), w + " " + nf.getName(),
            url -> url.endsWith("/" + NETWORK_WASM_TYPE), "network filter", NETWORK_WASM_TYPE))));
        continue;
      }
      if (nf.getTypedConfig().getTypeUrl().endsWith("/" + io.wasmplane.dataplane.filters.rbac.RbacNetworkConfig.TYPE)) {
        String tw = w + ".typed_config";
        networkFilters.add(NetworkFilterConfig.of(nf.getName().isEmpty() ? EnvoyTypes.NETWORK_RBAC : nf.getName(), nf.getTypedConfig(),
            io.wasmplane.dataplane.filters.rbac.RbacNetworkConfig.translate(
                unpack(nf.getTypedConfig(), io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.class, tw), tw)));
        continue;
      }
      if (nf.getTypedConfig().getTypeUrl().endsWith("/" + io.wasmplane.dataplane.filters.ratelimit.LocalRateLimitNetworkConfig.TYPE)) {
        String tw = w + ".typed_config";
        networkFilters.add(NetworkFilterConfig.of(nf.getName().isEmpty() ? EnvoyTypes.NETWORK_LOCAL_RATELIMIT : nf.getName(),
            nf.getTypedConfig(), io.wasmplane.dataplane.filters.ratelimit.LocalRateLimitNetworkConfig.translate(unpack(nf.getTypedConfig(),
                io.envoyproxy.envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit.class, tw), tw)));
        continue;
      }
      if (!nf.getTypedConfig().getTypeUrl().endsWith("/" + NETWORK_WASM_TYPE)) {
        throw new ConfigException(w + ": unsupported network filter '" + nf.getName() + "' before the terminal filter (supported: "
            + EnvoyTypes.NETWORK_WASM + ", " + EnvoyTypes.NETWORK_RBAC + ", " + EnvoyTypes.NETWORK_LOCAL_RATELIMIT + ")");
      }
      networkFilters.add(new NetworkFilterConfig(nf.getName().isEmpty() ? EnvoyTypes.NETWORK_WASM : nf.getName(), nf.getTypedConfig()));
    }
    Filter f = fc.getFilters(last);
    String fw = where + ".filters[" + last + "]";
    FieldGuard.onlySupported(f, fw, Set.of("name", "typed_config"));
    Optional<TlsServerConfig> tls = Optional.empty();
    if (fc.hasTransportSocket()) {
      tls = Optional.of(downstreamTls(fc.getTransportSocket(), where + ".transport_socket"));
    }
    if (f.getTypedConfig().getTypeUrl().endsWith("/" + TcpProxy.getDescriptor().getFullName())) {
      TcpProxyConfig tcp = tcpProxy(unpack(f.getTypedConfig(), TcpProxy.class, fw + ".typed_config"), owner + " tcp_proxy", clusterNames);
      return new FilterChainConfig(name, match, null, tls, networkFilters, Optional.of(tcp), fc);
    }
    if (!f.getName().equals(EnvoyTypes.HCM)
        && !f.getTypedConfig().getTypeUrl().endsWith("/" + HttpConnectionManager.getDescriptor().getFullName())) {
      throw new ConfigException(fw + ": unsupported terminal network filter '" + f.getName()
          + "' (supported: " + EnvoyTypes.HCM + ", " + EnvoyTypes.TCP_PROXY + ")");
    }
    HttpConnectionManager hcmProto = unpack(f.getTypedConfig(), HttpConnectionManager.class, fw + ".typed_config");
    HcmConfig hcm = hcm(hcmProto, owner + " http_connection_manager", clusterNames, bufferLimit);
    return new FilterChainConfig(name, match, hcm, tls, networkFilters, Optional.empty(), fc);
  }

  static TcpProxyConfig tcpProxy(TcpProxy t, String where, Set<String> clusterNames) {
    FieldGuard.onlySupported(t, where, Set.of("stat_prefix", "cluster", "idle_timeout", "access_log"));
    if (t.getStatPrefix().isEmpty()) {
      throw new ConfigException(where + ".stat_prefix: required");
    }
    if (t.getCluster().isEmpty()) {
      throw new ConfigException(where + ".cluster: required (weighted_clusters is not supported)");
    }
    if (!clusterNames.contains(t.getCluster())) {
      throw new ConfigException(where + ".cluster: unknown cluster '" + t.getCluster() + "'");
    }
    Duration idle = t.hasIdleTimeout() ? duration(t.getIdleTimeout()) : TCP_IDLE_DEFAULT;
    List<AccessLogConfig> logs = new ArrayList<>();
    for (int i = 0; i < t.getAccessLogCount(); i++) {
      String w = where + ".access_log[" + i + "]";
      AccessLogConfig a = accessLog(t.getAccessLog(i), w);
      if (a.wasm() != null && a.filter() != io.wasmplane.dataplane.accesslog.AccessLogFilter.ALL) {
        throw new ConfigException(w + ".filter: not supported on a Wasm access logger of tcp_proxy");
      }
      logs.add(a);
    }
    return new TcpProxyConfig(t.getStatPrefix(), t.getCluster(), idle, List.copyOf(logs));
  }

  static HcmConfig hcm(HttpConnectionManager h, String where, Set<String> clusterNames, long bufferLimit) {
    FieldGuard.onlySupported(h, where, Set.of("stat_prefix", "codec_type", "route_config", "http_filters", "access_log",
        "common_http_protocol_options", "request_timeout", "stream_idle_timeout", "max_request_headers_kb",
        "use_remote_address", "skip_xff_append", "generate_request_id", "preserve_external_request_id", "server_name",
        "http_protocol_options", "http2_protocol_options", "normalize_path", "merge_slashes", "path_with_escaped_slashes_action", "rds",
        "forward_client_cert_details", "set_current_client_cert_details", "upgrade_configs"));
    if (h.getStatPrefix().isEmpty()) {
      throw new ConfigException(where + ": field 'stat_prefix' is required");
    }
    Optional<String> rdsName = Optional.empty();
    if (h.hasRds()) {
      FieldGuard.onlySupported(h.getRds(), where + ".rds", Set.of("config_source", "route_config_name"));
      if (h.getRds().getRouteConfigName().isEmpty()) {
        throw new ConfigException(where + ".rds.route_config_name: required");
      }
      requireXdsSource(h.getRds().getConfigSource(), where + ".rds.config_source");
      rdsName = Optional.of(h.getRds().getRouteConfigName());
    } else if (!h.hasRouteConfig()) {
      throw new ConfigException(where + ": one of 'route_config' or 'rds' is required");
    }
    HcmConfig.CodecType codec = switch (h.getCodecType()) {
      case AUTO -> HcmConfig.CodecType.AUTO;
      case HTTP1 -> HcmConfig.CodecType.HTTP1;
      case HTTP2 -> HcmConfig.CodecType.HTTP2;
      default -> throw new ConfigException(where + ": codec_type " + h.getCodecType() + " is not supported (AUTO, HTTP1, HTTP2)");
    };
    if (h.hasCommonHttpProtocolOptions()) {
      FieldGuard.onlySupported(h.getCommonHttpProtocolOptions(), where + ".common_http_protocol_options",
          Set.of("idle_timeout", "max_headers_count"));
    }
    int maxHeadersCount = h.getCommonHttpProtocolOptions().hasMaxHeadersCount()
        ? h.getCommonHttpProtocolOptions().getMaxHeadersCount().getValue() : HcmConfig.DEFAULT_MAX_HEADERS_COUNT;
    if (maxHeadersCount < 1) {
      throw new ConfigException(where + ".common_http_protocol_options.max_headers_count: must be at least 1, got " + maxHeadersCount);
    }
    if (h.hasHttpProtocolOptions()) {
      FieldGuard.onlySupported(h.getHttpProtocolOptions(), where + ".http_protocol_options", Set.of());
    }
    Http2Options http2 = Http2OptionsTranslator.from(h.getHttp2ProtocolOptions(), where + ".http2_protocol_options");
    // With rds the routes arrive later; until then the listener is warming (or, after the timeout, has no routes).
    RouteTable routes = rdsName.isPresent() ? new RouteTable(rdsName.get(), List.of())
        : routeTable(h.getRouteConfig(), where + ".route_config", clusterNames);
    List<HttpFilterConfig> filters = httpFilters(h.getHttpFiltersList(), where + ".http_filters");
    List<AccessLogConfig> logs = new ArrayList<>();
    for (int i = 0; i < h.getAccessLogCount(); i++) {
      logs.add(accessLog(h.getAccessLog(i), where + ".access_log[" + i + "]"));
    }
    Duration idle = h.getCommonHttpProtocolOptions().hasIdleTimeout()
        ? duration(h.getCommonHttpProtocolOptions().getIdleTimeout()) : HCM_IDLE_DEFAULT;
    Duration requestTimeout = h.hasRequestTimeout() ? duration(h.getRequestTimeout()) : Duration.ZERO;
    Duration streamIdle = h.hasStreamIdleTimeout() ? duration(h.getStreamIdleTimeout()) : STREAM_IDLE_DEFAULT;
    int maxHeadersKb = h.hasMaxRequestHeadersKb() ? h.getMaxRequestHeadersKb().getValue() : 60;
    if (maxHeadersKb <= 0 || maxHeadersKb > 8192) {
      throw new ConfigException(where + ".max_request_headers_kb: must be in 1..8192, got " + maxHeadersKb);
    }
    boolean generateRequestId = !h.hasGenerateRequestId() || h.getGenerateRequestId().getValue();
    String serverName = h.getServerName().isEmpty() ? "envoy" : h.getServerName();
    return new HcmConfig(h.getStatPrefix(), codec, routes, filters, List.copyOf(logs), idle, requestTimeout, streamIdle,
        maxHeadersKb * 1024, h.hasUseRemoteAddress() && h.getUseRemoteAddress().getValue(), h.getSkipXffAppend(),
        generateRequestId, h.getPreserveExternalRequestId(), serverName, bufferLimit, rdsName, maxHeadersCount,
        XfccConfig.from(h, where), UpgradeConfigTranslator.hcm(h.getUpgradeConfigsList(), where), PathNormalization.from(h, where),
        http2);
  }

  static List<HttpFilterConfig> httpFilters(List<HttpFilter> protos, String where) {
    List<HttpFilterConfig> out = new ArrayList<>();
    for (int i = 0; i < protos.size(); i++) {
      HttpFilter f = protos.get(i);
      String w = where + "[" + i + "] " + f.getName();
      FieldGuard.onlySupported(f, w, Set.of("name", "typed_config", "is_optional", "disabled", "config_discovery"));
      if (f.getDisabled()) {
        throw new ConfigException(w + ": disabled=true (per-route enabling) is not supported");
      }
      if (f.hasConfigDiscovery()) {
        out.add(new HttpFilterConfig(f.getName(), "", null, Optional.of(discovery(f, w))));
        continue;
      }
      String typeUrl = f.getTypedConfig().getTypeUrl();
      String typeName = typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
      boolean isRouter = f.getName().equals(EnvoyTypes.ROUTER)
          || typeName.equals(io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDescriptor().getFullName());
      if (isRouter) {
        var router = f.hasTypedConfig()
            ? unpack(f.getTypedConfig(), io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.class, w + ".typed_config")
            : io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDefaultInstance();
        FieldGuard.onlySupported(router, w + ".typed_config", Set.of("suppress_envoy_headers", "start_child_span"));
        if (i != protos.size() - 1) {
          throw new ConfigException(w + ": " + EnvoyTypes.ROUTER + " must be the last http filter");
        }
        out.add(new HttpFilterConfig(EnvoyTypes.ROUTER, typeUrl, router));
        continue;
      }
      if (typeName.equals(io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm.getDescriptor().getFullName())) {
        out.add(new HttpFilterConfig(f.getName().isEmpty() ? EnvoyTypes.HTTP_WASM : f.getName(), typeUrl, f.getTypedConfig()));
        continue;
      }
      if (io.wasmplane.dataplane.http.HttpFilterRegistry.find(f.getName(), typeName).isPresent()) {
        out.add(new HttpFilterConfig(f.getName(), typeUrl, f.getTypedConfig()));
        continue;
      }
      if (f.getIsOptional()) {
        continue; // Envoy skips an optional filter it does not know.
      }
      throw new ConfigException(w + ": unsupported http filter (type " + (typeName.isEmpty() ? "<none>" : typeName)
          + "); supported: " + EnvoyTypes.ROUTER + ", " + EnvoyTypes.HTTP_WASM + ", " + EnvoyTypes.HTTP_CORS + ", "
          + EnvoyTypes.FAULT + ", " + EnvoyTypes.HTTP_RBAC);
    }
    if (out.isEmpty() || !out.get(out.size() - 1).name().equals(EnvoyTypes.ROUTER)) {
      throw new ConfigException(where + ": the last http filter must be " + EnvoyTypes.ROUTER);
    }
    return List.copyOf(out);
  }

  private static final String NETWORK_WASM_TYPE = io.envoyproxy.envoy.extensions.filters.network.wasm.v3.Wasm.getDescriptor().getFullName();

  /**
   * A config source inside a resource: {@code ads: {}} or an {@code api_config_source} (whose server the xDS side
   * resolves against the bootstrap when it subscribes).
   */
  private static void requireXdsSource(io.envoyproxy.envoy.config.core.v3.ConfigSource cs, String where) {
    if (!cs.hasAds() && !cs.hasApiConfigSource()) {
      throw new ConfigException(where + ": only 'ads: {}' or an 'api_config_source' is supported");
    }
  }

  /** An ECDS http filter: every type URL it accepts must be one we implement, and so must its default config. */
  static HttpFilterConfig.Discovery discovery(HttpFilter f, String where) {
    if (f.getName().isEmpty()) {
      throw new ConfigException(where + ".name: required (it names the ECDS resource)");
    }
    return discovery(f.getConfigDiscovery(), where, url -> isDiscoverableFilterType(f.getName(), url), "http filter",
        io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm.getDescriptor().getFullName());
  }

  /** An ExtensionConfigSource of an http or network filter; {@code supported} says which type URLs can configure it. */
  private static HttpFilterConfig.Discovery discovery(io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource cd, String where,
      java.util.function.Predicate<String> supported, String kind, String supportedText) {
    String w = where + ".config_discovery";
    FieldGuard.onlySupported(cd, w, Set.of("config_source", "default_config", "apply_default_config_without_warming", "type_urls"));
    requireXdsSource(cd.getConfigSource(), w + ".config_source");
    if (cd.getTypeUrlsCount() == 0) {
      throw new ConfigException(w + ".type_urls: at least one type URL is required");
    }
    for (String url : cd.getTypeUrlsList()) {
      if (!supported.test(url)) {
        throw new ConfigException(w + ".type_urls: unsupported " + kind + " type " + url + " (supported: " + supportedText + ")");
      }
    }
    Optional<Any> def = Optional.empty();
    if (cd.hasDefaultConfig()) {
      String url = cd.getDefaultConfig().getTypeUrl();
      if (!cd.getTypeUrlsList().contains(url)) {
        throw new ConfigException(w + ".default_config: type " + url + " is not one of type_urls " + cd.getTypeUrlsList());
      }
      def = Optional.of(cd.getDefaultConfig());
    }
    if (cd.getApplyDefaultConfigWithoutWarming() && def.isEmpty()) {
      throw new ConfigException(w + ".apply_default_config_without_warming: needs a default_config");
    }
    return new HttpFilterConfig.Discovery(def, cd.getApplyDefaultConfigWithoutWarming(), cd.getTypeUrlsList());
  }

  /** Whether an ECDS resource of this type can configure an http filter here (not the router: it is static). */
  public static boolean isDiscoverableFilterType(String filterName, String typeUrl) {
    String typeName = typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
    return typeName.equals(io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm.getDescriptor().getFullName())
        || io.wasmplane.dataplane.http.HttpFilterRegistry.find(filterName, typeName).isPresent();
  }

  /** A listener's access_log: file, stdout and stderr loggers (a Wasm logger has no HTTP stream to run on here). */
  private static List<AccessLogConfig> listenerAccessLogs(Listener l, String where) {
    List<AccessLogConfig> logs = new ArrayList<>();
    for (int i = 0; i < l.getAccessLogCount(); i++) {
      String w = where + ".access_log[" + i + "]";
      if (l.getAccessLog(i).getTypedConfig().getTypeUrl().endsWith("/" + WasmAccessLog.getDescriptor().getFullName())) {
        throw new ConfigException(w + ": a Wasm access logger is not supported on a listener (file, stdout and stderr loggers are)");
      }
      logs.add(accessLog(l.getAccessLog(i), w));
    }
    return logs;
  }

  static AccessLogConfig accessLog(io.envoyproxy.envoy.config.accesslog.v3.AccessLog a, String where) {
    AccessLogConfig c = accessLogUnchecked(a, where);
    if (c.wasm() == null) {
      c.formatter(where); // an unknown operator is an error now, not when the logger is built
    }
    return c;
  }

  private static AccessLogConfig accessLogUnchecked(io.envoyproxy.envoy.config.accesslog.v3.AccessLog a, String where) {
    FieldGuard.onlySupported(a, where, Set.of("name", "typed_config", "filter"));
    io.wasmplane.dataplane.accesslog.AccessLogFilter filter = a.hasFilter()
        ? AccessLogFilterTranslator.translate(a.getFilter(), where + ".filter") : io.wasmplane.dataplane.accesslog.AccessLogFilter.ALL;
    String typeUrl = a.getTypedConfig().getTypeUrl();
    String typeName = typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
    String w = where + ".typed_config";
    if (typeName.equals(WasmAccessLog.getDescriptor().getFullName())) {
      var wasm = unpack(a.getTypedConfig(), WasmAccessLog.class, w);
      return new AccessLogConfig(null, null, PluginSpec.fromHttpFilter(asHttpWasm(wasm.getConfig()), w), null, false, false, filter);
    }
    if (typeName.equals(StdoutAccessLog.getDescriptor().getFullName())) {
      StdoutAccessLog out = unpack(a.getTypedConfig(), StdoutAccessLog.class, w);
      FieldGuard.onlySupported(out, w, Set.of("log_format"));
      return fileLog("/dev/stdout", out.hasLogFormat() ? out.getLogFormat() : null, filter, w);
    }
    if (typeName.equals(StderrAccessLog.getDescriptor().getFullName())) {
      StderrAccessLog err = unpack(a.getTypedConfig(), StderrAccessLog.class, w);
      FieldGuard.onlySupported(err, w, Set.of("log_format"));
      return fileLog("/dev/stderr", err.hasLogFormat() ? err.getLogFormat() : null, filter, w);
    }
    if (!typeName.equals(FileAccessLog.getDescriptor().getFullName())) {
      throw new ConfigException(where + ": unsupported access logger '" + a.getName() + "' (type " + typeUrl
          + "); supported: " + EnvoyTypes.FILE_ACCESS_LOG + ", " + EnvoyTypes.STDOUT_ACCESS_LOG + ", " + EnvoyTypes.STDERR_ACCESS_LOG
          + ", " + EnvoyTypes.WASM_ACCESS_LOG);
    }
    FileAccessLog f = unpack(a.getTypedConfig(), FileAccessLog.class, w);
    FieldGuard.onlySupported(f, w, Set.of("path", "format", "log_format", "json_format", "typed_json_format"));
    if (f.getPath().isEmpty()) {
      throw new ConfigException(w + ".path: required");
    }
    if (f.hasJsonFormat() || f.hasTypedJsonFormat()) { // the deprecated dictionaries: json_format renders strings only
      boolean typed = f.hasTypedJsonFormat();
      Map<String, Object> json = StructValues.toMap(typed ? f.getTypedJsonFormat() : f.getJsonFormat());
      return new AccessLogConfig(f.getPath(), null, null, json, typed, false, filter);
    }
    if (!f.getFormat().isEmpty()) {
      return new AccessLogConfig(f.getPath(), f.getFormat(), null, null, false, false, filter);
    }
    return fileLog(f.getPath(), f.hasLogFormat() ? f.getLogFormat() : null, filter, w);
  }

  /** A file logger from a SubstitutionFormatString (null: Envoy's default format). */
  private static AccessLogConfig fileLog(String path, io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString sf,
      io.wasmplane.dataplane.accesslog.AccessLogFilter filter, String where) {
    if (sf == null) {
      return new AccessLogConfig(path, AccessLogConfig.DEFAULT_FORMAT, null, null, false, false, filter);
    }
    String w = where + ".log_format";
    FieldGuard.onlySupported(sf, w, Set.of("text_format", "text_format_source", "json_format", "omit_empty_values"));
    if (sf.hasJsonFormat()) {
      return new AccessLogConfig(path, null, null, StructValues.toMap(sf.getJsonFormat()), true, sf.getOmitEmptyValues(), filter);
    }
    String format = sf.hasTextFormatSource() ? dataSourceString(sf.getTextFormatSource(), w + ".text_format_source")
        : sf.getTextFormat();
    return new AccessLogConfig(path, format, null, null, false, sf.getOmitEmptyValues(), filter);
  }

  // ---------------------------------------------------------------- routes

  /**
   * Unknown clusters are refused unless {@code validate_clusters: false} (as Istio sends it): then such a request gets
   * cluster_not_found_response_code. (Envoy's default over RDS is false; here an unset field validates.)
   */
  public static RouteTable routeTable(RouteConfiguration rc, String where, Set<String> clusterNames) {
    rc = TypedStructs.expand(rc, where);
    FieldGuard.onlySupported(rc, where, Set.of("name", "virtual_hosts", "validate_clusters", "request_headers_to_add",
        "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove",
        "most_specific_header_mutations_wins", "internal_only_headers", "max_direct_response_body_size_bytes",
        "ignore_port_in_host_matching", "typed_per_filter_config", "metadata"));
    boolean validate = !rc.hasValidateClusters() || rc.getValidateClusters().getValue();
    RouteContext ctx = new RouteContext(validate ? clusterNames : null, rc.getMostSpecificHeaderMutationsWins(),
        rc.hasMaxDirectResponseBodySizeBytes() ? rc.getMaxDirectResponseBodySizeBytes().getValue() : 4096,
        RouteFeatureTranslator.headers(rc.getRequestHeadersToAddList(), rc.getRequestHeadersToRemoveList(), where, true),
        RouteFeatureTranslator.headers(rc.getResponseHeadersToAddList(), rc.getResponseHeadersToRemoveList(), where, false));
    PerFilterConfigs rcFilters = RouteFeatureTranslator.typedPerFilterConfig(rc.getTypedPerFilterConfigMap(), where);
    List<String> internalOnly = new ArrayList<>();
    for (String h : rc.getInternalOnlyHeadersList()) {
      internalOnly.add(h.toLowerCase(java.util.Locale.ROOT));
    }
    List<VirtualHostConfig> vhosts = new ArrayList<>();
    for (int i = 0; i < rc.getVirtualHostsCount(); i++) {
      VirtualHost vh = rc.getVirtualHosts(i);
      String w = where + ".virtual_hosts[" + i + "] " + vh.getName();
      FieldGuard.onlySupported(vh, w, Set.of("name", "domains", "routes", "request_headers_to_add", "request_headers_to_remove",
          "response_headers_to_add", "response_headers_to_remove", "typed_per_filter_config", "include_request_attempt_count",
          "include_attempt_count_in_response", "metadata", "retry_policy", "cors"));
      if (vh.getDomainsCount() == 0) {
        throw new ConfigException(w + ": field 'domains' must not be empty");
      }
      PerFilterConfigs vhFilters = RouteFeatureTranslator.typedPerFilterConfig(vh.getTypedPerFilterConfigMap(), w)
          .withLegacyCors(vh.hasCors() ? CorsPolicyTranslator.translate(vh.getCors(), w + ".cors") : null).under(rcFilters);
      RouteContext vctx = ctx.withVirtualHost(
          RouteFeatureTranslator.headers(vh.getRequestHeadersToAddList(), vh.getRequestHeadersToRemoveList(), w, true),
          RouteFeatureTranslator.headers(vh.getResponseHeadersToAddList(), vh.getResponseHeadersToRemoveList(), w, false),
          RetryPolicies.virtualHost(vh, w));
      List<RouteEntry> routes = new ArrayList<>();
      for (int j = 0; j < vh.getRoutesCount(); j++) {
        routes.add(route(vh.getRoutes(j), w + ".routes[" + j + "]", vctx).under(vhFilters));
      }
      vhosts.add(new VirtualHostConfig(vh.getName(), List.copyOf(vh.getDomainsList()), List.copyOf(routes),
          vh.getIncludeRequestAttemptCount(), vh.getIncludeAttemptCountInResponse()));
    }
    return new RouteTable(rc.getName(), vhosts, internalOnly);
  }

  /**
   * What a route inherits while it is translated: the clusters to check names against (null: not validated), the
   * header edit order and the levels above it.
   */
  record RouteContext(Set<String> clusterNames, boolean mostSpecificWins, int maxDirectBody, HeaderMutations.Level configRequest,
      HeaderMutations.Level configResponse, HeaderMutations.Level vhostRequest, HeaderMutations.Level vhostResponse,
      RetryPolicies.VirtualHostDefaults retryDefaults) {
    RouteContext(Set<String> clusterNames, boolean mostSpecificWins, int maxDirectBody, HeaderMutations.Level rq, HeaderMutations.Level rs) {
      this(clusterNames, mostSpecificWins, maxDirectBody, rq, rs, null, null, RetryPolicies.VirtualHostDefaults.NONE);
    }

    /** The virtual host's header edits and retry defaults (its retry policy, include_*_attempt_count). */
    RouteContext withVirtualHost(HeaderMutations.Level rq, HeaderMutations.Level rs, RetryPolicies.VirtualHostDefaults retry) {
      return new RouteContext(clusterNames, mostSpecificWins, maxDirectBody, configRequest, configResponse, rq, rs, retry);
    }

    HeaderMutations request(HeaderMutations.Level... mostSpecificFirst) {
      return HeaderMutations.ordered(mostSpecificWins, mostSpecificFirst);
    }

    HeaderMutations response(HeaderMutations.Level... mostSpecificFirst) {
      return HeaderMutations.ordered(mostSpecificWins, mostSpecificFirst);
    }
  }

  /** A route.v3.RouteMatch (also the match of filters' rules, e.g. jwt_authn's); {@code where} names the match. */
  static RouteMatchSpec routeMatch(RouteMatch m, String where) {
    FieldGuard.onlySupported(m, where, Set.of("prefix", "path", "safe_regex", "path_separated_prefix", "connect_matcher", "headers",
        "case_sensitive", "query_parameters", "grpc", "runtime_fraction"));
    boolean caseSensitive = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
    RouteMatchSpec.PathKind kind;
    String value = "";
    Pattern regex = null;
    switch (m.getPathSpecifierCase()) {
      case PREFIX -> {
        kind = RouteMatchSpec.PathKind.PREFIX;
        value = m.getPrefix();
      }
      case PATH -> {
        kind = RouteMatchSpec.PathKind.PATH;
        value = m.getPath();
      }
      case SAFE_REGEX -> {
        kind = RouteMatchSpec.PathKind.SAFE_REGEX;
        value = m.getSafeRegex().getRegex();
        regex = compile(value, where + ".safe_regex");
      }
      case PATH_SEPARATED_PREFIX -> {
        kind = RouteMatchSpec.PathKind.PATH_SEPARATED_PREFIX;
        value = m.getPathSeparatedPrefix();
        if (!value.startsWith("/") || value.endsWith("/") || value.contains("?") || value.contains("#")) {
          throw new ConfigException(where + ".path_separated_prefix: must start with '/', not end with '/' and hold no"
              + " '?' or '#' (got '" + value + "')");
        }
      }
      case CONNECT_MATCHER -> {
        kind = RouteMatchSpec.PathKind.CONNECT;
        FieldGuard.onlySupported(m.getConnectMatcher(), where + ".connect_matcher", Set.of());
      }
      default -> throw new ConfigException(where + ": one of prefix, path, safe_regex, path_separated_prefix, connect_matcher is required"
          + (m.getPathSpecifierCase() == RouteMatch.PathSpecifierCase.PATHSPECIFIER_NOT_SET ? "" : " (got " + m.getPathSpecifierCase() + ")"));
    }
    List<HeaderMatcherSpec> headers = new ArrayList<>();
    for (int i = 0; i < m.getHeadersCount(); i++) {
      headers.add(headerMatcher(m.getHeaders(i), where + ".headers[" + i + "]"));
    }
    List<QueryParameterMatch> query = new ArrayList<>();
    for (int i = 0; i < m.getQueryParametersCount(); i++) {
      query.add(RouteFeatureTranslator.queryParameter(m.getQueryParameters(i), where + ".query_parameters[" + i + "]"));
    }
    if (m.hasGrpc()) {
      FieldGuard.onlySupported(m.getGrpc(), where + ".grpc", Set.of());
    }
    int fraction = m.hasRuntimeFraction()
        ? RouteFeatureTranslator.runtimeFraction(m.getRuntimeFraction(), where + ".runtime_fraction") : RouteMatchSpec.ALWAYS;
    return new RouteMatchSpec(kind, value, regex, caseSensitive, List.copyOf(headers), List.copyOf(query),
        m.hasGrpc(), fraction);
  }

  static RouteEntry route(Route r, String where, Set<String> clusterNames) {
    return route(r, where, new RouteContext(clusterNames, false, 4096, null, null));
  }

  static RouteEntry route(Route r, String where, RouteContext ctx) {
    FieldGuard.onlySupported(r, where, Set.of("name", "match", "route", "direct_response", "redirect", "metadata", "decorator",
        "typed_per_filter_config", "request_headers_to_add", "request_headers_to_remove", "response_headers_to_add",
        "response_headers_to_remove", "tracing"));
    PerFilterConfigs filters = RouteFeatureTranslator.typedPerFilterConfig(r.getTypedPerFilterConfigMap(), where)
        .withLegacyCors(r.getRoute().hasCors() ? CorsPolicyTranslator.translate(r.getRoute().getCors(), where + ".route.cors") : null);
    RouteMatchSpec spec = routeMatch(r.getMatch(), where + ".match");
    HeaderMutations.Level routeRq = RouteFeatureTranslator.headers(r.getRequestHeadersToAddList(), r.getRequestHeadersToRemoveList(), where, true);
    HeaderMutations.Level routeRs = RouteFeatureTranslator.headers(r.getResponseHeadersToAddList(), r.getResponseHeadersToRemoveList(), where, false);
    RouteAction action;
    if (r.hasRoute()) {
      action = forward(r.getRoute(), where + ".route", ctx, spec, routeRq, routeRs);
    } else if (r.hasRedirect()) {
      action = RouteFeatureTranslator.redirect(r.getRedirect(), where + ".redirect", spec);
    } else if (r.hasDirectResponse()) {
      var d = r.getDirectResponse();
      FieldGuard.onlySupported(d, where + ".direct_response", Set.of("status", "body"));
      if (d.getStatus() < 200 || d.getStatus() > 599) {
        throw new ConfigException(where + ".direct_response.status: must be in 200..599, got " + d.getStatus());
      }
      Optional<String> body = d.hasBody() ? Optional.of(dataSourceString(d.getBody(), where + ".direct_response.body")) : Optional.empty();
      if (body.isPresent() && body.get().getBytes(StandardCharsets.UTF_8).length > ctx.maxDirectBody()) {
        throw new ConfigException(where + ".direct_response.body: " + body.get().getBytes(StandardCharsets.UTF_8).length
            + " bytes, more than max_direct_response_body_size_bytes (" + ctx.maxDirectBody() + ")");
      }
      action = new RouteAction.DirectResponse(d.getStatus(), body);
    } else {
      throw new ConfigException(where + ": one of 'route', 'redirect' or 'direct_response' is required");
    }
    return new RouteEntry(r.getName(), spec, action, ctx.request(routeRq, ctx.vhostRequest(), ctx.configRequest()),
        ctx.response(routeRs, ctx.vhostResponse(), ctx.configResponse()), filters);
  }

  static RouteAction.Forward forward(io.envoyproxy.envoy.config.route.v3.RouteAction a, String where, RouteContext ctx,
      RouteMatchSpec match, HeaderMutations.Level routeRq, HeaderMutations.Level routeRs) {
    FieldGuard.onlySupported(a, where, Set.of("cluster", "weighted_clusters", "cluster_header", "cluster_not_found_response_code",
        "prefix_rewrite", "regex_rewrite", "host_rewrite_literal", "host_rewrite_header", "host_rewrite_path_regex",
        "auto_host_rewrite", "timeout", "idle_timeout", "max_stream_duration", "priority", "hash_policy", "request_mirror_policies", "retry_policy",
        "upgrade_configs", "cors"));
    List<RouteAction.WeightedCluster> clusters = new ArrayList<>();
    String clusterHeader = null;
    switch (a.getClusterSpecifierCase()) {
      case CLUSTER -> clusters.add(new RouteAction.WeightedCluster(a.getCluster(), 1));
      case CLUSTER_HEADER -> {
        clusterHeader = a.getClusterHeader().toLowerCase(java.util.Locale.ROOT);
        if (clusterHeader.isEmpty() || clusterHeader.startsWith(":")) {
          throw new ConfigException(where + ".cluster_header: must name a header (not empty, not a pseudo-header)");
        }
      }
      case WEIGHTED_CLUSTERS -> {
        var wcs = a.getWeightedClusters();
        FieldGuard.onlySupported(wcs, where + ".weighted_clusters", Set.of("clusters", "total_weight"));
        long sum = 0;
        for (WeightedCluster.ClusterWeight cw : wcs.getClustersList()) {
          String cwWhere = where + ".weighted_clusters.clusters " + cw.getName();
          FieldGuard.onlySupported(cw, cwWhere, Set.of("name", "weight", "request_headers_to_add", "request_headers_to_remove",
              "response_headers_to_add", "response_headers_to_remove", "host_rewrite_literal", "typed_per_filter_config"));
          RouteFeatureTranslator.weightedClusterPerFilterConfig(cw.getTypedPerFilterConfigMap(), cwWhere);
          HeaderMutations.Level rq = RouteFeatureTranslator.headers(cw.getRequestHeadersToAddList(), cw.getRequestHeadersToRemoveList(), cwWhere, true);
          HeaderMutations.Level rs = RouteFeatureTranslator.headers(cw.getResponseHeadersToAddList(), cw.getResponseHeadersToRemoveList(), cwWhere, false);
          boolean own = !rq.isEmpty() || !rs.isEmpty();
          clusters.add(new RouteAction.WeightedCluster(cw.getName(), cw.getWeight().getValue(),
              cw.getHostRewriteLiteral().isEmpty() ? Optional.empty() : Optional.of(cw.getHostRewriteLiteral()),
              own ? ctx.request(rq, routeRq, ctx.vhostRequest(), ctx.configRequest()) : null,
              own ? ctx.response(rs, routeRs, ctx.vhostResponse(), ctx.configResponse()) : null));
          sum += Integer.toUnsignedLong(cw.getWeight().getValue());
        }
        if (wcs.hasTotalWeight() && wcs.getTotalWeight().getValue() != sum) {
          throw new ConfigException(where + ".weighted_clusters.total_weight: " + wcs.getTotalWeight().getValue()
              + " is not the sum of the weights (" + sum + ")");
        }
      }
      default -> throw new ConfigException(where + ": one of 'cluster', 'cluster_header' or 'weighted_clusters' is required (got "
          + a.getClusterSpecifierCase() + ")");
    }
    int total = 0;
    for (RouteAction.WeightedCluster wc : clusters) {
      if (ctx.clusterNames() != null && !ctx.clusterNames().contains(wc.name())) {
        throw new ConfigException(where + ": route references unknown cluster '" + wc.name() + "'");
      }
      total += wc.weight();
    }
    if (clusterHeader == null && total <= 0) {
      throw new ConfigException(where + ".weighted_clusters: the sum of weights must be positive");
    }
    int notFound = switch (a.getClusterNotFoundResponseCode()) {
      case SERVICE_UNAVAILABLE -> 503;
      case NOT_FOUND -> 404;
      case INTERNAL_SERVER_ERROR -> 500;
      default -> throw new ConfigException(where + ".cluster_not_found_response_code: unknown value " + a.getClusterNotFoundResponseCodeValue());
    };
    if (a.getPriority() != io.envoyproxy.envoy.config.core.v3.RoutingPriority.DEFAULT) {
      throw new ConfigException(where + ".priority: " + a.getPriority() + " is not supported (DEFAULT only: one routing priority, with the DEFAULT circuit breaker thresholds)");
    }
    PathRewrite rewrite = null;
    if (!a.getPrefixRewrite().isEmpty() && a.hasRegexRewrite()) {
      throw new ConfigException(where + ": only one of prefix_rewrite and regex_rewrite may be set");
    }
    if (!a.getPrefixRewrite().isEmpty()) {
      rewrite = PathRewrite.prefix(a.getPrefixRewrite(), match);
    } else if (a.hasRegexRewrite()) {
      rewrite = RouteFeatureTranslator.regexRewrite(a.getRegexRewrite(), where + ".regex_rewrite");
    }
    RouteAction.HostRewrite host = RouteAction.HostRewrite.NONE;
    switch (a.getHostRewriteSpecifierCase()) {
      case HOST_REWRITE_HEADER -> host = new RouteAction.HostRewrite(a.getHostRewriteHeader().toLowerCase(java.util.Locale.ROOT), null, null, false);
      case HOST_REWRITE_PATH_REGEX -> {
        PathRewrite p = RouteFeatureTranslator.regexRewrite(a.getHostRewritePathRegex(), where + ".host_rewrite_path_regex");
        host = new RouteAction.HostRewrite(null, p.regex(), p.substitution(), false);
      }
      case AUTO_HOST_REWRITE -> host = new RouteAction.HostRewrite(null, null, null, a.getAutoHostRewrite().getValue());
      default -> { }
    }
    Duration timeout = a.hasTimeout() ? duration(a.getTimeout()) : ROUTE_TIMEOUT_DEFAULT;
    RouteAction.StreamDuration sd = RouteAction.StreamDuration.NONE;
    if (a.hasMaxStreamDuration()) {
      var msd = a.getMaxStreamDuration();
      FieldGuard.onlySupported(msd, where + ".max_stream_duration", Set.of("max_stream_duration", "grpc_timeout_header_max",
          "grpc_timeout_header_offset"));
      sd = new RouteAction.StreamDuration(msd.hasMaxStreamDuration() ? duration(msd.getMaxStreamDuration()) : Duration.ZERO,
          msd.hasGrpcTimeoutHeaderMax() ? duration(msd.getGrpcTimeoutHeaderMax()) : null,
          msd.hasGrpcTimeoutHeaderOffset() ? duration(msd.getGrpcTimeoutHeaderOffset()) : Duration.ZERO);
    }
    List<RouteAction.Mirror> mirrors = new ArrayList<>();
    for (int i = 0; i < a.getRequestMirrorPoliciesCount(); i++) {
      RouteAction.Mirror m = RouteFeatureTranslator.mirror(a.getRequestMirrorPolicies(i), where + ".request_mirror_policies[" + i + "]");
      if (ctx.clusterNames() != null && !ctx.clusterNames().contains(m.cluster())) {
        throw new ConfigException(where + ".request_mirror_policies[" + i + "]: unknown cluster '" + m.cluster() + "'");
      }
      mirrors.add(m);
    }
    return new RouteAction.Forward(List.copyOf(clusters), total, clusterHeader, notFound, rewrite,
        a.getHostRewriteLiteral().isEmpty() ? Optional.empty() : Optional.of(a.getHostRewriteLiteral()), host,
        timeout, sd, List.copyOf(mirrors), retryPolicy(a, where, ctx.retryDefaults()),
        ctx.retryDefaults().requestAttemptCount(), ctx.retryDefaults().responseAttemptCount(),
        UpgradeConfigTranslator.route(a.getUpgradeConfigsList(), where), a.hasIdleTimeout() ? duration(a.getIdleTimeout()) : null,
        HashPolicyTranslator.translate(a.getHashPolicyList(), where));
  }

  /** The route's retry policy wins over its virtual host's (Envoy does not merge them). */
  private static RetryPolicy retryPolicy(io.envoyproxy.envoy.config.route.v3.RouteAction a, String where,
      RetryPolicies.VirtualHostDefaults vhDefaults) {
    if (a.hasRetryPolicy()) {
      return RetryPolicies.translate(a.getRetryPolicy(), where + ".retry_policy");
    }
    return vhDefaults.retryPolicy() != null ? vhDefaults.retryPolicy() : RetryPolicy.NONE;
  }

  static HeaderMatcherSpec headerMatcher(HeaderMatcher h, String where) {
    FieldGuard.onlySupported(h, where, Set.of("name", "exact_match", "prefix_match", "suffix_match", "contains_match",
        "safe_regex_match", "present_match", "range_match", "string_match", "invert_match", "treat_missing_header_as_empty"));
    String name = h.getName().toLowerCase(java.util.Locale.ROOT);
    if (name.isEmpty()) {
      throw new ConfigException(where + ".name: required");
    }
    boolean invert = h.getInvertMatch();
    boolean missingEmpty = h.getTreatMissingHeaderAsEmpty();
    return switch (h.getHeaderMatchSpecifierCase()) {
      case EXACT_MATCH -> HeaderMatcherSpec.string(name, new StringMatch(StringMatch.Kind.EXACT, h.getExactMatch(), null, false), invert, missingEmpty);
      case PREFIX_MATCH -> HeaderMatcherSpec.string(name, new StringMatch(StringMatch.Kind.PREFIX, h.getPrefixMatch(), null, false), invert, missingEmpty);
      case SUFFIX_MATCH -> HeaderMatcherSpec.string(name, new StringMatch(StringMatch.Kind.SUFFIX, h.getSuffixMatch(), null, false), invert, missingEmpty);
      case CONTAINS_MATCH -> HeaderMatcherSpec.string(name, new StringMatch(StringMatch.Kind.CONTAINS, h.getContainsMatch(), null, false), invert, missingEmpty);
      case SAFE_REGEX_MATCH -> HeaderMatcherSpec.string(name, new StringMatch(StringMatch.Kind.REGEX, h.getSafeRegexMatch().getRegex(),
          compile(h.getSafeRegexMatch().getRegex(), where + ".safe_regex_match"), false), invert, missingEmpty);
      case PRESENT_MATCH -> HeaderMatcherSpec.present(name, h.getPresentMatch(), invert, missingEmpty);
      case RANGE_MATCH -> {
        if (h.getRangeMatch().getStart() >= h.getRangeMatch().getEnd()) {
          throw new ConfigException(where + ".range_match: start must be less than end");
        }
        yield HeaderMatcherSpec.range(name, h.getRangeMatch().getStart(), h.getRangeMatch().getEnd(), invert, missingEmpty);
      }
      case STRING_MATCH -> HeaderMatcherSpec.string(name, RouteFeatureTranslator.stringMatch(h.getStringMatch(), where + ".string_match"),
          invert, missingEmpty);
      case HEADERMATCHSPECIFIER_NOT_SET -> HeaderMatcherSpec.present(name, true, invert, missingEmpty);
    };
  }

  private static Pattern compile(String regex, String where) {
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new ConfigException(where + ": invalid regex '" + regex + "': " + e.getDescription());
    }
  }

  // ---------------------------------------------------------------- clusters

  public static ClusterConfig cluster(Cluster c) {
    String where = "cluster " + c.getName();
    c = TypedStructs.expand(c, where);
    if (c.getName().isEmpty()) {
      throw new ConfigException("cluster: field 'name' is required");
    }
    FieldGuard.onlySupported(c, where, Set.of("name", "type", "lb_policy", "connect_timeout", "load_assignment",
        "transport_socket", "typed_extension_protocol_options", "http2_protocol_options", "circuit_breakers",
        "dns_refresh_rate", "dns_lookup_family", "per_connection_buffer_limit_bytes", "respect_dns_ttl",
        "eds_cluster_config", "health_checks", "outlier_detection", "common_lb_config", "ring_hash_lb_config", "maglev_lb_config",
        "transport_socket_matches", "upstream_bind_config", "upstream_connection_options", "round_robin_lb_config",
        "least_request_lb_config", "load_balancing_policy"));
    ClusterConfig.DiscoveryType type = switch (c.getType()) {
      case STATIC -> ClusterConfig.DiscoveryType.STATIC;
      case STRICT_DNS -> ClusterConfig.DiscoveryType.STRICT_DNS;
      case LOGICAL_DNS -> ClusterConfig.DiscoveryType.LOGICAL_DNS;
      case EDS -> ClusterConfig.DiscoveryType.EDS;
      default -> throw new ConfigException(where + ".type: " + c.getType() + " is not supported (STATIC, STRICT_DNS, LOGICAL_DNS, EDS)");
    };
    ClusterConfig.LbPolicy lb = LbPolicyTranslator.policy(c, where);
    Duration connectTimeout = c.hasConnectTimeout() ? duration(c.getConnectTimeout()) : CONNECT_TIMEOUT_DEFAULT;
    if (type == ClusterConfig.DiscoveryType.EDS) {
      if (c.hasLoadAssignment()) {
        throw new ConfigException(where + ".load_assignment: not allowed on an EDS cluster (endpoints come from eds_cluster_config)");
      }
      var eds = c.getEdsClusterConfig();
      FieldGuard.onlySupported(eds, where + ".eds_cluster_config", Set.of("eds_config", "service_name"));
      requireXdsSource(eds.getEdsConfig(), where + ".eds_cluster_config.eds_config");
    } else if (c.hasEdsClusterConfig()) {
      throw new ConfigException(where + ".eds_cluster_config: only allowed with type EDS");
    }
    List<ClusterConfig.EndpointAddress> endpoints = endpoints(c.getLoadAssignment(), where + ".load_assignment",
        type != ClusterConfig.DiscoveryType.STRICT_DNS && type != ClusterConfig.DiscoveryType.LOGICAL_DNS);
    if (type == ClusterConfig.DiscoveryType.LOGICAL_DNS && endpoints.size() != 1) {
      throw new ConfigException(where + ": LOGICAL_DNS clusters need exactly one endpoint, got " + endpoints.size());
    }
    ClusterConfig.UpstreamProtocol protocol = c.hasHttp2ProtocolOptions() ? ClusterConfig.UpstreamProtocol.HTTP2 : ClusterConfig.UpstreamProtocol.HTTP1;
    Http2Options http2 = Http2OptionsTranslator.from(c.getHttp2ProtocolOptions(), where + ".http2_protocol_options");
    Duration idle = Duration.ofHours(1);
    for (Map.Entry<String, Any> e : c.getTypedExtensionProtocolOptionsMap().entrySet()) {
      String w = where + ".typed_extension_protocol_options[" + e.getKey() + "]";
      if (!e.getValue().getTypeUrl().endsWith("/" + HttpProtocolOptions.getDescriptor().getFullName())) {
        throw new ConfigException(w + ": unsupported type " + e.getValue().getTypeUrl() + " (supported: " + EnvoyTypes.HTTP_PROTOCOL_OPTIONS + ")");
      }
      HttpProtocolOptions o = unpack(e.getValue(), HttpProtocolOptions.class, w);
      FieldGuard.onlySupported(o, w, Set.of("explicit_http_config", "common_http_protocol_options"));
      if (o.hasExplicitHttpConfig()) {
        var ex = o.getExplicitHttpConfig();
        if (ex.hasHttp2ProtocolOptions()) {
          protocol = ClusterConfig.UpstreamProtocol.HTTP2;
          http2 = Http2OptionsTranslator.from(ex.getHttp2ProtocolOptions(), w + ".explicit_http_config.http2_protocol_options");
        } else if (ex.hasHttpProtocolOptions()) {
          protocol = ClusterConfig.UpstreamProtocol.HTTP1;
        } else {
          throw new ConfigException(w + ".explicit_http_config: only http_protocol_options or http2_protocol_options are supported");
        }
      }
      if (o.hasCommonHttpProtocolOptions()) {
        FieldGuard.onlySupported(o.getCommonHttpProtocolOptions(), w + ".common_http_protocol_options", Set.of("idle_timeout"));
        if (o.getCommonHttpProtocolOptions().hasIdleTimeout()) {
          idle = duration(o.getCommonHttpProtocolOptions().getIdleTimeout());
        }
      }
    }
    Optional<TlsClientConfig> tls = c.hasTransportSocket()
        ? TransportSocketMatchTranslator.socket(c.getTransportSocket(), where + ".transport_socket") : Optional.empty();
    ClusterConfig.CircuitBreakers limits = ClusterConfig.CircuitBreakers.DEFAULT;
    if (c.hasCircuitBreakers()) {
      CircuitBreakers cb = c.getCircuitBreakers();
      FieldGuard.onlySupported(cb, where + ".circuit_breakers", Set.of("thresholds"));
      for (CircuitBreakers.Thresholds t : cb.getThresholdsList()) {
        FieldGuard.onlySupported(t, where + ".circuit_breakers.thresholds", Set.of("priority", "max_connections", "max_pending_requests", "max_requests",
            "max_retries"));
        if (t.getPriority() != io.envoyproxy.envoy.config.core.v3.RoutingPriority.DEFAULT) {
          continue; // we route everything at DEFAULT priority
        }
        limits = new ClusterConfig.CircuitBreakers(
            t.hasMaxConnections() ? t.getMaxConnections().getValue() : limits.maxConnections(),
            t.hasMaxPendingRequests() ? t.getMaxPendingRequests().getValue() : limits.maxPendingRequests(),
            t.hasMaxRequests() ? t.getMaxRequests().getValue() : limits.maxRequests(),
            t.hasMaxRetries() ? t.getMaxRetries().getValue() : limits.maxRetries());
      }
    }
    Duration dnsRefresh = c.hasDnsRefreshRate() ? duration(c.getDnsRefreshRate()) : Duration.ofSeconds(5);
    return new ClusterConfig(c.getName(), type, lb, connectTimeout, List.copyOf(endpoints), protocol, tls, limits, dnsRefresh, idle,
        HealthConfigTranslator.health(c, protocol, where), LbPolicyTranslator.hashLb(c, where),
        TransportSocketMatchTranslator.matches(c, where), upstreamSocketOptions(c, where),
        LoadAssignmentPolicy.overprovisioningFactor(c.getLoadAssignment(), where + ".load_assignment"), http2,
        LocalityLbTranslator.localityWeighted(c, where), LbPolicyTranslator.leastRequest(c, where),
        LbPolicyTranslator.slowStart(c, where), LoadAssignmentPolicy.dropOverload(c.getLoadAssignment(), where + ".load_assignment"));
  }

  /**
   * The cluster's upstream_bind_config.socket_options (no source address: connections bind where the OS picks), then
   * its tcp_keepalive's (the later one wins where both set an option).
   */
  private static List<SocketOptionSpec> upstreamSocketOptions(Cluster c, String where) {
    List<SocketOptionSpec> out = new ArrayList<>();
    if (c.hasUpstreamBindConfig()) {
      String w = where + ".upstream_bind_config";
      FieldGuard.onlySupported(c.getUpstreamBindConfig(), w, Set.of("socket_options"));
      out.addAll(SocketOptionsTranslator.options(c.getUpstreamBindConfig().getSocketOptionsList(), w + ".socket_options"));
    }
    if (c.hasUpstreamConnectionOptions()) {
      var u = c.getUpstreamConnectionOptions();
      FieldGuard.onlySupported(u, where + ".upstream_connection_options", Set.of("tcp_keepalive"));
      if (u.hasTcpKeepalive()) {
        out.addAll(SocketOptionsTranslator.keepalive(u.getTcpKeepalive(), where + ".upstream_connection_options.tcp_keepalive"));
      }
    }
    return out;
  }

  /**
   * The endpoints of a load assignment (a cluster's {@code load_assignment} or an EDS {@code ClusterLoadAssignment});
   * with {@code ipOnly} (STATIC and EDS) every address must be an IP literal.
   */
  public static List<ClusterConfig.EndpointAddress> endpoints(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment la,
      String where, boolean ipOnly) {
    List<ClusterConfig.EndpointAddress> endpoints = new ArrayList<>();
    FieldGuard.onlySupported(la, where, Set.of("cluster_name", "endpoints", "policy"));
    LoadAssignmentPolicy.overprovisioningFactor(la, where);
    LoadAssignmentPolicy.dropOverload(la, where);
    // A locality's load_balancing_weight only counts with common_lb_config.locality_weighted_lb_config; Envoy ignores
    // it otherwise, as here. Istio sets it on every locality.
    List<ClusterConfig.Locality> localities = LocalityLbTranslator.localities(la, where);
    for (int i = 0; i < la.getEndpointsCount(); i++) {
      LocalityLbEndpoints lle = la.getEndpoints(i);
      FieldGuard.onlySupported(lle, where + ".endpoints", Set.of("lb_endpoints", "locality", "load_balancing_weight", "metadata",
          "priority"));
      if (Integer.toUnsignedLong(lle.getPriority()) > 128) { // Envoy's proto validation: lte 128
        throw new ConfigException(where + ".endpoints.priority: " + Integer.toUnsignedString(lle.getPriority()) + " is above 128");
      }
      for (LbEndpoint le : lle.getLbEndpointsList()) {
        // metadata: only its envoy.transport_socket_match labels are read (transport_socket_matches); Istio's other
        // labels (istio workload) serve subset load balancing, which this data plane does not do.
        FieldGuard.onlySupported(le, where + ".endpoints.lb_endpoints", Set.of("endpoint", "health_status", "load_balancing_weight",
            "metadata"));
        FieldGuard.onlySupported(le.getEndpoint(), where + ".endpoints.lb_endpoints.endpoint", Set.of("address"));
        SocketAddress sa = socket(le.getEndpoint().getAddress(), where + "...endpoint.address");
        if (ipOnly && !isIpLiteral(sa.getAddress())) {
          throw new ConfigException(where + ": endpoint '" + sa.getAddress() + "' must be an IP address (use STRICT_DNS for names)");
        }
        if (le.hasLoadBalancingWeight() && le.getLoadBalancingWeight().getValue() < 1) {
          throw new ConfigException(where + ".endpoints.lb_endpoints.load_balancing_weight: must be at least 1");
        }
        endpoints.add(new ClusterConfig.EndpointAddress(sa.getAddress(), sa.getPortValue(), failedEdsHealth(le.getHealthStatus()),
            le.getHealthStatus() == io.envoyproxy.envoy.config.core.v3.HealthStatus.DEGRADED,
            le.hasLoadBalancingWeight() ? le.getLoadBalancingWeight().getValue() : 1,
            TransportSocketMatchTranslator.hostLabels(le.getMetadata(), lle.getMetadata()), lle.getPriority(), localities.get(i), canary(le)));
      }
    }
    return List.copyOf(endpoints);
  }

  /** Envoy's canary flag: {@code canary: true} in the endpoint's {@code envoy.lb} metadata (shown by /clusters). */
  private static boolean canary(io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint le) {
    var lb = le.getMetadata().getFilterMetadataMap().get("envoy.lb");
    return lb != null && lb.getFieldsOrDefault("canary", com.google.protobuf.Value.getDefaultInstance()).getBoolValue();
  }


  /**
   * A load assignment's policy.overprovisioning_factor in percent (140 when unset); policy fields other than it and
   * drop_overloads are refused.
   */
  public static int overprovisioningFactor(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment la, String where) {
    return LoadAssignmentPolicy.overprovisioningFactor(la, where);
  }

  /** A load assignment's policy.drop_overloads ({@link ClusterConfig.DropOverload#NONE} without). */
  public static ClusterConfig.DropOverload dropOverload(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment la, String where) {
    return LoadAssignmentPolicy.dropOverload(la, where);
  }

  /** Envoy excludes endpoints EDS reports UNHEALTHY, DRAINING or TIMEOUT (/failed_eds_health). */
  private static boolean failedEdsHealth(io.envoyproxy.envoy.config.core.v3.HealthStatus s) {
    return s == io.envoyproxy.envoy.config.core.v3.HealthStatus.UNHEALTHY
        || s == io.envoyproxy.envoy.config.core.v3.HealthStatus.DRAINING
        || s == io.envoyproxy.envoy.config.core.v3.HealthStatus.TIMEOUT;
  }

  private static boolean isIpLiteral(String host) {
    return host.matches("[0-9.]+") || host.contains(":");
  }

  // ---------------------------------------------------------------- TLS

  static TlsServerConfig downstreamTls(TransportSocket ts, String where) {
    return TlsTranslator.downstream(ts, where);
  }

  private static void checkTlsSocket(TransportSocket ts, String where) {
    TlsTranslator.checkTlsSocket(ts, where);
  }

  // ---------------------------------------------------------------- helpers

  static byte[] dataSource(DataSource ds, String where) {
    return switch (ds.getSpecifierCase()) {
      case FILENAME -> {
        try {
          yield Files.readAllBytes(Path.of(ds.getFilename()));
        } catch (IOException e) {
          throw new ConfigException(where + ".filename: cannot read " + ds.getFilename() + ": " + e);
        }
      }
      case INLINE_BYTES -> ds.getInlineBytes().toByteArray();
      case INLINE_STRING -> ds.getInlineString().getBytes(StandardCharsets.UTF_8);
      case ENVIRONMENT_VARIABLE -> {
        String v = System.getenv(ds.getEnvironmentVariable());
        if (v == null) {
          throw new ConfigException(where + ".environment_variable: " + ds.getEnvironmentVariable() + " is not set");
        }
        yield v.getBytes(StandardCharsets.UTF_8);
      }
      default -> throw new ConfigException(where + ": a data source (filename, inline_bytes, inline_string) is required");
    };
  }

  static String dataSourceString(DataSource ds, String where) {
    return new String(dataSource(ds, where), StandardCharsets.UTF_8);
  }

  static InetSocketAddress socketAddress(Address a, String where) {
    SocketAddress sa = socket(a, where);
    try {
      return new InetSocketAddress(java.net.InetAddress.getByName(sa.getAddress()), sa.getPortValue());
    } catch (java.net.UnknownHostException e) {
      throw new ConfigException(where + ".socket_address.address: '" + sa.getAddress() + "' is not an IP address");
    }
  }

  static SocketAddress socket(Address a, String where) {
    if (!a.hasSocketAddress()) {
      throw new ConfigException(where + ": only socket_address is supported");
    }
    SocketAddress sa = a.getSocketAddress();
    FieldGuard.onlySupported(sa, where + ".socket_address", Set.of("address", "port_value", "protocol"));
    if (sa.getProtocol() != SocketAddress.Protocol.TCP) {
      throw new ConfigException(where + ".socket_address.protocol: only TCP is supported");
    }
    if (sa.getAddress().isEmpty()) {
      throw new ConfigException(where + ".socket_address.address: required");
    }
    if (sa.getPortValue() > 65535) {
      throw new ConfigException(where + ".socket_address.port_value: " + sa.getPortValue() + " is not a port");
    }
    return sa;
  }

  static Duration duration(com.google.protobuf.Duration d) {
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }

  static <T extends Message> T unpack(Any any, Class<T> type, String where) {
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(where + ": expected " + type.getSimpleName() + " but got " + any.getTypeUrl() + ": " + e.getMessage());
    }
  }
}

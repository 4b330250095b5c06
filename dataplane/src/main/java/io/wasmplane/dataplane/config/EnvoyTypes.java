package io.wasmplane.dataplane.config;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Empty;
import com.google.protobuf.StringValue;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;

/** The {@code Any} payload types the data plane understands, and the JSON parser/printer that resolve them. */
public final class EnvoyTypes {
  public static final String HCM = "envoy.filters.network.http_connection_manager";
  public static final String ROUTER = "envoy.filters.http.router";
  public static final String HTTP_WASM = "envoy.filters.http.wasm";
  public static final String HTTP_CORS = "envoy.filters.http.cors";
  public static final String FAULT = "envoy.filters.http.fault";
  public static final String HTTP_RBAC = "envoy.filters.http.rbac";
  public static final String HTTP_JWT_AUTHN = "envoy.filters.http.jwt_authn";
  public static final String NETWORK_RBAC = "envoy.filters.network.rbac";
  public static final String NETWORK_LOCAL_RATELIMIT = "envoy.filters.network.local_ratelimit";
  public static final String NETWORK_WASM = "envoy.filters.network.wasm";
  public static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";
  public static final String STAT_SINK_WASM = "envoy.stat_sinks.wasm";
  public static final String BOOTSTRAP_WASM = "envoy.bootstrap.wasm";
  public static final String WASM_ACCESS_LOG = "envoy.access_loggers.wasm";
  public static final String FILE_ACCESS_LOG = "envoy.access_loggers.file";
  public static final String STDOUT_ACCESS_LOG = "envoy.access_loggers.stdout";
  public static final String STDERR_ACCESS_LOG = "envoy.access_loggers.stderr";
  public static final String TLS = "envoy.transport_sockets.tls";
  public static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  public static final JsonFormat.TypeRegistry REGISTRY =
      JsonFormat.TypeRegistry.newBuilder()
          .add(HttpConnectionManager.getDescriptor())
          .add(Router.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.network.wasm.v3.Wasm.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit.getDescriptor())
          .add(FileAccessLog.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StderrAccessLog.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.stat_sinks.wasm.v3.Wasm.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.wasm.v3.WasmService.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.access_loggers.wasm.v3.WasmAccessLog.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.getDescriptor())
          .add(HttpProtocolOptions.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate.getDescriptor())
          .add(DownstreamTlsContext.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector.getDescriptor())
          .add(UpstreamTlsContext.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer.getDescriptor())
          .add(TypedExtensionConfig.getDescriptor())
          // TypedStruct: an extension config as a Struct plus its type URL (TypedStructs expands it).
          .add(com.github.udpa.udpa.type.v1.TypedStruct.getDescriptor())
          .add(com.github.xds.type.v3.TypedStruct.getDescriptor())
          // Cluster load_balancing_policy extensions (LbPolicyTranslator).
          .add(io.envoyproxy.envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.load_balancing_policies.random.v3.Random.getDescriptor())
          // filter_chain_matcher: the network inputs and the IP trie matcher's config.
          .add(io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.NetworkInputsProto.getDescriptor().getMessageTypes())
          .add(com.github.xds.type.matcher.v3.IPMatcher.getDescriptor())
          // Per-route configs (typed_per_filter_config) Istio and others write; all but CorsPolicy, HTTPFault and
          // RBACPerRoute are for filters not run here: parsed, unused.
          .add(io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.lua.v3.LuaPerRoute.getDescriptor())
          .add(StringValue.getDescriptor())
          .add(Struct.getDescriptor())
          .add(BoolValue.getDescriptor())
          .add(UInt32Value.getDescriptor())
          .add(Duration.getDescriptor())
          .add(Empty.getDescriptor())
          .add(Listener.getDescriptor())
          .add(Cluster.getDescriptor())
          .add(RouteConfiguration.getDescriptor())
          .add(io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap.getDescriptor())
          .add(BootstrapConfigDump.getDescriptor())
          .add(ListenersConfigDump.getDescriptor())
          .add(ClustersConfigDump.getDescriptor())
          .add(RoutesConfigDump.getDescriptor())
          .add(io.envoyproxy.envoy.admin.v3.SecretsConfigDump.getDescriptor())
          .add(io.envoyproxy.envoy.admin.v3.EndpointsConfigDump.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.getDescriptor())
          .build();

  public static final JsonFormat.Parser PARSER = JsonFormat.parser().usingTypeRegistry(REGISTRY);
  public static final JsonFormat.Printer PRINTER = JsonFormat.printer().usingTypeRegistry(REGISTRY);

  private EnvoyTypes() {}
}

package io.wasmplane.controlplane.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.StringValue;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.health_check.v3.HealthCheck;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.List;

/** Envoy JSON <-> protobuf with a type registry for the Any payloads a demo config uses. */
public final class EnvoyJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Types whose files (and their dependencies) are registered for "@type" resolution. */
  private static final List<Descriptor> KNOWN = List.of(
      Listener.getDescriptor(), Cluster.getDescriptor(), RouteConfiguration.getDescriptor(),
      ClusterLoadAssignment.getDescriptor(), TypedExtensionConfig.getDescriptor(),
      HttpConnectionManager.getDescriptor(), Router.getDescriptor(), TcpProxy.getDescriptor(),
      io.envoyproxy.envoy.extensions.filters.http.wasm.v3.Wasm.getDescriptor(),
      io.envoyproxy.envoy.extensions.filters.network.wasm.v3.Wasm.getDescriptor(),
      io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor(),
      io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication.getDescriptor(),
      io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig.getDescriptor(),
      HttpProtocolOptions.getDescriptor(), UpstreamTlsContext.getDescriptor(), DownstreamTlsContext.getDescriptor(),
      StdoutAccessLog.getDescriptor(), FileAccessLog.getDescriptor(), RBAC.getDescriptor(), Cors.getDescriptor(),
      LocalRateLimit.getDescriptor(), HealthCheck.getDescriptor(),
      io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor(), StringValue.getDescriptor(),
      Struct.getDescriptor(), io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.getDescriptor(),
      io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer.getDescriptor());

  public static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder().add(KNOWN).build();

  private static final JsonFormat.Parser PARSER = JsonFormat.parser().usingTypeRegistry(TYPES);
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().usingTypeRegistry(TYPES);

  private EnvoyJson() {}

  /** Parses one resource; the error names {@code where} (e.g. "listeners[0]") and JsonFormat's cause. */
  public static <B extends Message.Builder> B parse(JsonNode node, B builder, String where) throws ConfigException {
    try {
      PARSER.merge(MAPPER.writeValueAsString(node), builder);
      return builder;
    } catch (InvalidProtocolBufferException | RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
      String field = JsonPathLocator.locate(node, builder.getDescriptorForType(), "");
      throw new ConfigException(where + (field.isEmpty() ? "" : "." + field) + " ("
          + builder.getDescriptorForType().getFullName() + "): " + e.getMessage(), e);
    }
  }

  public static String print(Message m) {
    try {
      return PRINTER.print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("type not registered for JSON: " + e.getMessage(), e);
    }
  }
}

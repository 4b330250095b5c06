package io.wasmplane.controlplane.snapshot;

import java.util.List;
import java.util.Map;

/** The xDS resource type URLs this server answers, and their short names for logs and status. */
public final class TypeUrls {
  private static final String PREFIX = "type.googleapis.com/";
  public static final String LISTENER = PREFIX + "envoy.config.listener.v3.Listener";
  public static final String ROUTE = PREFIX + "envoy.config.route.v3.RouteConfiguration";
  public static final String CLUSTER = PREFIX + "envoy.config.cluster.v3.Cluster";
  public static final String ENDPOINT = PREFIX + "envoy.config.endpoint.v3.ClusterLoadAssignment";
  public static final String EXTENSION_CONFIG = PREFIX + "envoy.config.core.v3.TypedExtensionConfig";
  public static final String SECRET = PREFIX + "envoy.extensions.transport_sockets.tls.v3.Secret";
  public static final String HTTP_WASM = PREFIX + "envoy.extensions.filters.http.wasm.v3.Wasm";
  public static final String NETWORK_WASM = PREFIX + "envoy.extensions.filters.network.wasm.v3.Wasm";
  public static final String HCM =
      PREFIX + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
  public static final String ROUTER = PREFIX + "envoy.extensions.filters.http.router.v3.Router";

  public static final List<String> ALL = List.of(LISTENER, ROUTE, CLUSTER, ENDPOINT, EXTENSION_CONFIG, SECRET);

  /**
   * Push order for make-before-break: clusters and endpoints before the listeners and routes that use them, and
   * filter configs (ECDS) and secrets (SDS) before the listeners that reference them. Removals go in the reverse order.
   */
  public static final List<String> PUSH_ORDER = List.of(SECRET, CLUSTER, ENDPOINT, EXTENSION_CONFIG, LISTENER, ROUTE);
  public static final List<String> REMOVAL_ORDER = List.of(ROUTE, LISTENER, EXTENSION_CONFIG, ENDPOINT, CLUSTER, SECRET);

  private static final Map<String, String> SHORT = Map.of(LISTENER, "LDS", ROUTE, "RDS", CLUSTER, "CDS",
      ENDPOINT, "EDS", EXTENSION_CONFIG, "ECDS", SECRET, "SDS");

  private TypeUrls() {}

  public static String shortName(String typeUrl) {
    return SHORT.getOrDefault(typeUrl, typeUrl);
  }

  /** Types where an empty first request means "everything" (legacy wildcard). */
  public static boolean legacyWildcard(String typeUrl) {
    return LISTENER.equals(typeUrl) || CLUSTER.equals(typeUrl);
  }
}

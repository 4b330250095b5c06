package io.wasmplane.dataplane.xds;

/** Sections of the control-plane-stub's rollout file (its camelCase YAML) that several tests share. */
final class StubRollouts {
  private StubRollouts() {}

  /**
   * A {@code listeners:} section with one listener on 127.0.0.1:port: an HTTP connection manager (stat prefix
   * {@code ingress}) that takes route config {@code r1} over ADS and ends in the router.
   */
  static String rdsListener(String name, int port) {
    return """
        listeners:
          - name: %s
            address: { socketAddress: { address: 127.0.0.1, portValue: %d } }
            filterChains:
              - filters:
                  - name: envoy.filters.network.http_connection_manager
                    typedConfig:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      statPrefix: ingress
                      rds: { routeConfigName: r1, configSource: { ads: {}, resourceApiVersion: V3 } }
                      httpFilters:
                        - name: envoy.filters.http.router
                          typedConfig: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
        """.formatted(name, port);
  }
}

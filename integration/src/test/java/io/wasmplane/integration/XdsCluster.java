package io.wasmplane.integration;

/** The bootstrap's static {@code xds_cluster}: the control plane on a loopback port, spoken to over HTTP/2 (gRPC). */
public final class XdsCluster {
  private XdsCluster() {}

  /**
   * The cluster as an item of {@code static_resources.clusters} (indented by two, no final newline), so a test can
   * add fields to it (a transport_socket) on the lines after it.
   */
  public static String yaml(int port) {
    return """
          - name: xds_cluster
            type: STATIC
            connect_timeout: 1s
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config: {http2_protocol_options: {}}
            load_assignment:
              cluster_name: xds_cluster
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]\
        """.formatted(port);
  }
}

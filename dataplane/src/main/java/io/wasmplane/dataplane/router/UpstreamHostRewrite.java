package io.wasmplane.dataplane.router;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.wasmplane.dataplane.config.ClusterConfig;
import io.wasmplane.dataplane.upstream.UpstreamCluster;
import io.wasmplane.dataplane.upstream.UpstreamHost;

/**
 * auto_host_rewrite: the Host becomes the chosen upstream's hostname. Only DNS clusters have one (as in Envoy, a
 * STATIC or EDS endpoint has no hostname here, so the Host stays).
 */
final class UpstreamHostRewrite {
  private UpstreamHostRewrite() {}

  static void apply(UpstreamCluster cluster, UpstreamHost host, HttpHeaders headers) {
    ClusterConfig.DiscoveryType type = cluster.config().type();
    if ((type == ClusterConfig.DiscoveryType.STRICT_DNS || type == ClusterConfig.DiscoveryType.LOGICAL_DNS)
        && host.hostname() != null && !host.hostname().isEmpty()) {
      headers.set(HttpHeaderNames.HOST, host.hostname());
    }
  }
}

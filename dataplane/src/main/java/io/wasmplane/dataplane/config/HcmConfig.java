package io.wasmplane.dataplane.config;

import java.time.Duration;
import java.util.List;

/** envoy.filters.network.http_connection_manager, translated. Durations of zero mean "disabled". */
public record HcmConfig(
    String statPrefix,
    CodecType codecType,
    RouteTable routes,
    List<HttpFilterConfig> httpFilters,
    List<AccessLogConfig> accessLogs,
    Duration idleTimeout,
    Duration requestTimeout,
    Duration streamIdleTimeout,
    int maxRequestHeadersBytes,
    boolean useRemoteAddress,
    boolean skipXffAppend,
    boolean generateRequestId,
    boolean preserveExternalRequestId,
    String serverName,
    long bufferLimitBytes,
    java.util.Optional<String> rdsRouteConfigName) {

  public enum CodecType { AUTO, HTTP1, HTTP2 }
}

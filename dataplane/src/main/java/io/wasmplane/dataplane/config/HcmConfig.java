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
    java.util.Optional<String> rdsRouteConfigName,
    int maxHeadersCount,
    XfccConfig xfcc,
    UpgradeConfigs upgrades,
    PathNormalization pathNormalization, Http2Options http2) {

  /** Envoy's default common_http_protocol_options.max_headers_count. */
  public static final int DEFAULT_MAX_HEADERS_COUNT = 100;

  /** Without path normalization and without HTTP/2 extended CONNECT. */
  public HcmConfig(String statPrefix, CodecType codecType, RouteTable routes, List<HttpFilterConfig> httpFilters,
      List<AccessLogConfig> accessLogs, Duration idleTimeout, Duration requestTimeout, Duration streamIdleTimeout,
      int maxRequestHeadersBytes, boolean useRemoteAddress, boolean skipXffAppend, boolean generateRequestId,
      boolean preserveExternalRequestId, String serverName, long bufferLimitBytes, java.util.Optional<String> rdsRouteConfigName,
      int maxHeadersCount, XfccConfig xfcc, UpgradeConfigs upgrades) {
    this(statPrefix, codecType, routes, httpFilters, accessLogs, idleTimeout, requestTimeout, streamIdleTimeout, maxRequestHeadersBytes,
        useRemoteAddress, skipXffAppend, generateRequestId, preserveExternalRequestId, serverName, bufferLimitBytes, rdsRouteConfigName,
        maxHeadersCount, xfcc, upgrades, PathNormalization.OFF, Http2Options.DEFAULT);
  }

  public HcmConfig(String statPrefix, CodecType codecType, RouteTable routes, List<HttpFilterConfig> httpFilters,
      List<AccessLogConfig> accessLogs, Duration idleTimeout, Duration requestTimeout, Duration streamIdleTimeout,
      int maxRequestHeadersBytes, boolean useRemoteAddress, boolean skipXffAppend, boolean generateRequestId,
      boolean preserveExternalRequestId, String serverName, long bufferLimitBytes, java.util.Optional<String> rdsRouteConfigName,
      int maxHeadersCount, XfccConfig xfcc) {
    this(statPrefix, codecType, routes, httpFilters, accessLogs, idleTimeout, requestTimeout, streamIdleTimeout, maxRequestHeadersBytes,
        useRemoteAddress, skipXffAppend, generateRequestId, preserveExternalRequestId, serverName, bufferLimitBytes, rdsRouteConfigName,
        maxHeadersCount, xfcc, UpgradeConfigs.NONE);
  }

  public HcmConfig(String statPrefix, CodecType codecType, RouteTable routes, List<HttpFilterConfig> httpFilters,
      List<AccessLogConfig> accessLogs, Duration idleTimeout, Duration requestTimeout, Duration streamIdleTimeout,
      int maxRequestHeadersBytes, boolean useRemoteAddress, boolean skipXffAppend, boolean generateRequestId,
      boolean preserveExternalRequestId, String serverName, long bufferLimitBytes, java.util.Optional<String> rdsRouteConfigName,
      int maxHeadersCount) {
    this(statPrefix, codecType, routes, httpFilters, accessLogs, idleTimeout, requestTimeout, streamIdleTimeout, maxRequestHeadersBytes,
        useRemoteAddress, skipXffAppend, generateRequestId, preserveExternalRequestId, serverName, bufferLimitBytes, rdsRouteConfigName,
        maxHeadersCount, XfccConfig.DEFAULT);
  }

  public HcmConfig(String statPrefix, CodecType codecType, RouteTable routes, List<HttpFilterConfig> httpFilters,
      List<AccessLogConfig> accessLogs, Duration idleTimeout, Duration requestTimeout, Duration streamIdleTimeout,
      int maxRequestHeadersBytes, boolean useRemoteAddress, boolean skipXffAppend, boolean generateRequestId,
      boolean preserveExternalRequestId, String serverName, long bufferLimitBytes, java.util.Optional<String> rdsRouteConfigName) {
    this(statPrefix, codecType, routes, httpFilters, accessLogs, idleTimeout, requestTimeout, streamIdleTimeout, maxRequestHeadersBytes,
        useRemoteAddress, skipXffAppend, generateRequestId, preserveExternalRequestId, serverName, bufferLimitBytes, rdsRouteConfigName,
        DEFAULT_MAX_HEADERS_COUNT);
  }

  /** http2_protocol_options.allow_connect: RFC 8441 extended CONNECT is advertised downstream. */
  public boolean http2AllowConnect() {
    return http2.allowConnect();
  }

  public enum CodecType { AUTO, HTTP1, HTTP2 }
}

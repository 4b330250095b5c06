package io.wasmplane.dataplane.config;

import java.time.Duration;
import java.util.List;

/**
 * envoy.filters.network.tcp_proxy, translated: the upstream cluster, the idle timeout (Envoy's default 1 h; zero
 * disables it), the stat prefix ({@code tcp.<stat_prefix>.*}) and access loggers (envoy.access_loggers.file with Envoy's format
 * strings, envoy.access_loggers.wasm) run when a connection ends.
 */
public record TcpProxyConfig(String statPrefix, String cluster, Duration idleTimeout, List<AccessLogConfig> accessLogs) {}

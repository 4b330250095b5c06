package io.wasmplane.dataplane.config;

import java.time.Duration;

/**
 * envoy.filters.network.tcp_proxy, translated: the upstream cluster, the idle timeout (Envoy's default 1 h; zero
 * disables it), and the stat prefix ({@code tcp.<stat_prefix>.*}).
 */
public record TcpProxyConfig(String statPrefix, String cluster, Duration idleTimeout) {}

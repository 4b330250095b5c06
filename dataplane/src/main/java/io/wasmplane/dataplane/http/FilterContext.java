package io.wasmplane.dataplane.http;

import io.wasmplane.dataplane.config.RouteTable;
import io.wasmplane.dataplane.stats.StatsRegistry;
import java.util.function.Supplier;

/**
 * What an HTTP connection manager offers the filters it builds: its stats (named under {@code http.<statPrefix>.}) and
 * its current route table, whose routes carry the per-route filter configs.
 */
public record FilterContext(StatsRegistry stats, String statPrefix, Supplier<RouteTable> routes) {}

package io.wasmplane.dataplane.http;

import io.wasmplane.dataplane.accesslog.AccessLogger;
import io.wasmplane.dataplane.config.HcmConfig;
import io.wasmplane.dataplane.config.RouteTable;
import java.util.List;
import java.util.function.Supplier;

/**
 * Everything an HTTP connection manager needs at run time, built once from its config; immutable. {@code routes}: the
 * current route table (the static one, or RDS's latest).
 */
public record HcmRuntime(HcmConfig config, List<HttpFilterFactory> filterFactories, HcmStats stats, List<AccessLogger> accessLoggers,
    Supplier<RouteTable> routes) {

  public HcmRuntime(HcmConfig config, List<HttpFilterFactory> filterFactories, HcmStats stats, List<AccessLogger> accessLoggers) {
    this(config, filterFactories, stats, accessLoggers, config::routes);
  }
}

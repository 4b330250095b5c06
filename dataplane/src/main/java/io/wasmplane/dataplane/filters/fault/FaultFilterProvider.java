package io.wasmplane.dataplane.filters.fault;

import com.google.protobuf.Any;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.FaultConfig;
import io.wasmplane.dataplane.config.FaultConfigTranslator;
import io.wasmplane.dataplane.config.HttpFilterConfig;
import io.wasmplane.dataplane.config.RouteTable;
import io.wasmplane.dataplane.http.FilterContext;
import io.wasmplane.dataplane.http.HttpFilterFactory;
import io.wasmplane.dataplane.http.HttpFilterRegistry;

/** Builds envoy.filters.http.fault (HTTPFault) in an HTTP connection manager: config translated once, stats resolved once. */
public final class FaultFilterProvider implements HttpFilterRegistry.Provider {
  @Override
  public HttpFilterFactory create(HttpFilterConfig config, String where) {
    throw new ConfigException(where + ": envoy.filters.http.fault can only be configured in an http connection manager's "
        + "http_filters here (it needs the HCM's routes and stats), not through config_discovery (ECDS)");
  }

  @Override
  public HttpFilterFactory create(HttpFilterConfig config, String where, FilterContext context) {
    FaultConfig filterLevel = FaultConfigTranslator.translate((Any) config.typedConfig(), where + ".typed_config");
    FaultStats stats = new FaultStats(context.stats(), context.statPrefix());
    String name = config.name();
    boolean needsRoute = !filterLevel.upstreamCluster().isEmpty();
    return callbacks -> {
      RouteTable table = context.routes().get();
      boolean match = table != null && (needsRoute || table.configuresFilter(name, false));
      return new FaultFilter(callbacks, name, filterLevel, match ? table : null, stats);
    };
  }
}

package io.wasmplane.dataplane.filters.fault;

import com.google.protobuf.Any;
import io.wasmplane.dataplane.config.FaultConfig;
import io.wasmplane.dataplane.config.FaultConfigTranslator;
import io.wasmplane.dataplane.config.HttpFilterConfig;
import io.wasmplane.dataplane.http.HcmScoped;
import io.wasmplane.dataplane.http.HttpFilterFactory;
import io.wasmplane.dataplane.http.HttpFilterRegistry;

/**
 * Builds envoy.filters.http.fault (HTTPFault): config translated once; stats resolved once per connection manager the
 * filter serves; the route comes from the stream.
 */
public final class FaultFilterProvider implements HttpFilterRegistry.Provider {
  @Override
  public HttpFilterFactory create(HttpFilterConfig config, String where) {
    FaultConfig filterLevel = FaultConfigTranslator.translate((Any) config.typedConfig(), where + ".typed_config");
    HcmScoped<FaultStats> stats = new HcmScoped<>(FaultStats::new);
    String name = config.name();
    return callbacks -> new FaultFilter(callbacks, name, filterLevel, stats.get(callbacks.connectionManagerStats()));
  }
}

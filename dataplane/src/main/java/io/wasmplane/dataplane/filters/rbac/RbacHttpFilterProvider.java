package io.wasmplane.dataplane.filters.rbac;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.ConfigMatchers;
import io.wasmplane.dataplane.config.HttpFilterConfig;
import io.wasmplane.dataplane.http.HttpFilterFactory;
import io.wasmplane.dataplane.http.HttpFilterRegistry;

/** envoy.filters.http.rbac ({@code envoy.extensions.filters.http.rbac.v3.RBAC}), in http_filters or over ECDS. */
public final class RbacHttpFilterProvider implements HttpFilterRegistry.Provider {
  @Override
  public HttpFilterFactory create(HttpFilterConfig config, String where) {
    if (!(config.typedConfig() instanceof Any any)) {
      throw new ConfigException(where + ".typed_config: required (" + RbacHttpConfig.TYPE + ")");
    }
    String w = where + ".typed_config";
    return new RbacHttpFilterFactory(config.name(), RbacHttpConfig.translate(ConfigMatchers.unpack(any, RBAC.class, w), w));
  }
}

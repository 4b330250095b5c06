package io.wasmplane.dataplane.filters.cors;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.HttpFilterConfig;
import io.wasmplane.dataplane.http.HttpFilterFactory;
import io.wasmplane.dataplane.http.HttpFilterRegistry;

/**
 * envoy.filters.http.cors: its typed_config ({@code envoy.extensions.filters.http.cors.v3.Cors}) is empty; the
 * policies come per route (typed_per_filter_config under the filter's name, or the deprecated {@code cors} field).
 */
public final class CorsFilterProvider implements HttpFilterRegistry.Provider {
  public static final String TYPE = Cors.getDescriptor().getFullName();

  @Override
  public HttpFilterFactory create(HttpFilterConfig config, String where) {
    if (config.typedConfig() instanceof Any any) {
      try {
        Cors cors = any.unpack(Cors.class);
        if (!cors.getUnknownFields().asMap().isEmpty()) {
          throw new ConfigException(where + ".typed_config: unknown field number(s) " + cors.getUnknownFields().asMap().keySet()
              + " in " + TYPE + " (it has no fields)");
        }
      } catch (InvalidProtocolBufferException e) {
        throw new ConfigException(where + ".typed_config: cannot decode " + TYPE + ": " + e.getMessage(), e);
      }
    }
    return new CorsFilterFactory(config.name());
  }
}

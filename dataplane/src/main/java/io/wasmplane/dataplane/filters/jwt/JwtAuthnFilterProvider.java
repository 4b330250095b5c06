package io.wasmplane.dataplane.filters.jwt;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.ConfigMatchers;
import io.wasmplane.dataplane.config.HttpFilterConfig;
import io.wasmplane.dataplane.http.HttpFilterFactory;
import io.wasmplane.dataplane.http.HttpFilterRegistry;

/** envoy.filters.http.jwt_authn ({@code envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication}), in http_filters or over ECDS. */
public final class JwtAuthnFilterProvider implements HttpFilterRegistry.Provider {
  public static final String TYPE = JwtAuthnConfig.TYPE;

  @Override
  public HttpFilterFactory create(HttpFilterConfig config, String where) {
    if (!(config.typedConfig() instanceof Any any)) {
      throw new ConfigException(where + ".typed_config: required (" + TYPE + ")");
    }
    String w = where + ".typed_config";
    return new JwtAuthnFilterFactory(config.name(), JwtAuthnConfig.translate(ConfigMatchers.unpack(any, JwtAuthentication.class, w), w));
  }
}

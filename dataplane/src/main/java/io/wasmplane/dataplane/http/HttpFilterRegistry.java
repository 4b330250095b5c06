package io.wasmplane.dataplane.http;

import io.wasmplane.dataplane.config.HttpFilterConfig;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HTTP filters other than the router, keyed by the proto type name of their typed_config (as Envoy selects
 * extensions) or by filter name. The built-in CORS, fault, RBAC, local rate limit and JWT authentication filters
 * register here; tests register their own filters.
 */
public final class HttpFilterRegistry {
  /** Builds the per-stream factory of one configured filter, once per config; throws ConfigException if invalid. */
  @FunctionalInterface
  public interface Provider {
    HttpFilterFactory create(HttpFilterConfig config, String where);
  }

  private static final Map<String, Provider> PROVIDERS = new ConcurrentHashMap<>();

  static {
    // Built-in filters besides the router and Wasm (which the translator knows by themselves).
    register(io.wasmplane.dataplane.filters.cors.CorsFilterProvider.TYPE, new io.wasmplane.dataplane.filters.cors.CorsFilterProvider());
    register(io.wasmplane.dataplane.config.FaultConfigTranslator.TYPE, new io.wasmplane.dataplane.filters.fault.FaultFilterProvider());
    register(io.wasmplane.dataplane.filters.rbac.RbacHttpConfig.TYPE, new io.wasmplane.dataplane.filters.rbac.RbacHttpFilterProvider());
    register(io.wasmplane.dataplane.filters.ratelimit.LocalRateLimitConfig.TYPE,
        new io.wasmplane.dataplane.filters.ratelimit.LocalRateLimitFilterProvider());
    register(io.wasmplane.dataplane.filters.jwt.JwtAuthnFilterProvider.TYPE, new io.wasmplane.dataplane.filters.jwt.JwtAuthnFilterProvider());
  }

  private HttpFilterRegistry() {}

  public static void register(String key, Provider provider) {
    PROVIDERS.put(key, provider);
  }

  public static void unregister(String key) {
    PROVIDERS.remove(key);
  }

  public static Optional<Provider> find(String filterName, String typeName) {
    Provider p = PROVIDERS.get(typeName);
    return Optional.ofNullable(p != null ? p : PROVIDERS.get(filterName));
  }
}

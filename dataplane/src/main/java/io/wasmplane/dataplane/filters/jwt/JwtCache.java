package io.wasmplane.dataplane.filters.jwt;

import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtCacheConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A provider's {@code jwt_cache_config}: tokens whose signature this provider's keys verified, per worker thread as
 * Envoy's cache, least recently used out first. A hit skips only the signature (an ES256 verification costs about a
 * millisecond on the JDK 17 provider); the time window, issuer and audiences are checked on every request. The cache
 * belongs to one translated provider, so new keys (an ECDS or listener update) start an empty one.
 */
final class JwtCache {
  /** Envoy's defaults for an unset (0) jwt_cache_size and jwt_max_token_size. */
  static final int DEFAULT_SIZE = 100;
  static final int DEFAULT_MAX_TOKEN_BYTES = 4096;

  private final int size;
  private final int maxTokenBytes;
  private final ThreadLocal<Map<String, Boolean>> perWorker;

  private JwtCache(int size, int maxTokenBytes) {
    this.size = size;
    this.maxTokenBytes = maxTokenBytes;
    this.perWorker = ThreadLocal.withInitial(() -> new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > JwtCache.this.size;
      }
    });
  }

  /** The cache a provider's config asks for, or null without jwt_cache_config. */
  static JwtCache of(boolean configured, JwtCacheConfig c) {
    if (!configured) {
      return null;
    }
    return new JwtCache(c.getJwtCacheSize() != 0 ? c.getJwtCacheSize() : DEFAULT_SIZE,
        c.getJwtMaxTokenSize() != 0 ? c.getJwtMaxTokenSize() : DEFAULT_MAX_TOKEN_BYTES);
  }

  /**
   * {@link JwtSignatures#verify}, skipped for a token this worker has seen verify with these keys; counted as Envoy's
   * jwt_cache_hit / jwt_cache_miss (a token too large to cache counts as neither).
   */
  JwtStatus verifySignature(JwtToken token, Jwks jwks, JwtAuthnStats stats) {
    String raw = token.raw();
    if (raw.length() > maxTokenBytes) {
      return JwtSignatures.verify(token, jwks);
    }
    Map<String, Boolean> verified = perWorker.get();
    if (verified.get(raw) != null) {
      stats.jwtCacheHit().inc();
      return JwtStatus.OK;
    }
    stats.jwtCacheMiss().inc();
    JwtStatus s = JwtSignatures.verify(token, jwks);
    if (s == JwtStatus.OK) {
      verified.put(raw, Boolean.TRUE); // only valid tokens, as Envoy's cache
    }
    return s;
  }
}

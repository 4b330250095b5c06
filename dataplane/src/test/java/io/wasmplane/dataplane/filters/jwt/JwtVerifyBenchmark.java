package io.wasmplane.dataplane.filters.jwt;

import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.wasmplane.dataplane.config.EnvoyTypes;
import io.wasmplane.dataplane.config.RequestFacts;
import io.wasmplane.dataplane.testing.TestJwt;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What jwt_authn adds per request with a token: finding the rule, extracting, decoding and checking the token and its
 * signature, for an RS256 (2048-bit) and an ES256 token, without a token cache (Envoy without jwt_cache_config) and
 * with one (the same token again: a cache hit skips the signature). Run
 * like scripts/bench-dataplane.sh runs the bench package, with the pattern {@code io.wasmplane.dataplane.filters.jwt.JwtVerifyBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class JwtVerifyBenchmark {
  @Param({"RS256", "ES256"})
  public String alg;

  @Param({"false", "true"})
  public boolean cache;

  private final JwtAuthnStats stats = JwtAuthnStats.of(name -> new io.wasmplane.dataplane.stats.Counter(), "");

  private JwtAuthnConfig config;
  private RequestFacts request;
  private final JwtAuthenticator.VerifyContext ctx = new JwtAuthenticator.VerifyContext() {
    @Override
    public RequestFacts request() {
      return request;
    }

    @Override
    public long nowSeconds() {
      return System.currentTimeMillis() / 1000;
    }

    @Override
    public JwtAuthnStats stats() {
      return stats;
    }

    @Override
    public void verified(JwtProviderSpec provider, JwtToken token, TokenLocations.Found where) {}
  };

  @Setup
  public void setup() throws Exception {
    TestJwt key = alg.equals("RS256") ? TestJwt.rsa("k") : TestJwt.ec("k", "secp256r1");
    JwtAuthentication.Builder b = JwtAuthentication.newBuilder();
    EnvoyTypes.PARSER.merge("""
        {"providers": {"p": {"issuer": "https://issuer.example", "audiences": ["api"], "localJwks": {"inlineString": %s}%s}},
         "rules": [{"match": {"prefix": "/"}, "requires": {"providerName": "p"}}]}
        """.formatted(com.google.protobuf.util.JsonFormat.printer().print(
            com.google.protobuf.Value.newBuilder().setStringValue(TestJwt.jwks(key))),
        cache ? ", \"jwtCacheConfig\": {}" : ""), b);
    config = JwtAuthnConfig.translate(b.build(), "bench");
    String token = key.sign(alg, "{\"iss\":\"https://issuer.example\",\"sub\":\"alice\",\"aud\":\"api\",\"exp\":"
        + TestJwt.in(86_400) + ",\"scope\":\"read write\"}");
    HttpHeaders h = new DefaultHttpHeaders().add("host", "svc").add("authorization", "Bearer " + token);
    request = RequestFacts.of("GET", "/api/books", h, "http");
  }

  @Benchmark
  public JwtStatus verify() {
    JwtStatus s = config.requirementFor(request).verify(ctx);
    if (s != JwtStatus.OK) {
      throw new IllegalStateException(s.message);
    }
    return s;
  }
}

package io.wasmplane.dataplane.bench;

import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.wasmplane.dataplane.config.EnvoyTypes;
import io.wasmplane.dataplane.config.RequestFacts;
import io.wasmplane.dataplane.filters.rbac.RbacEngine;
import io.wasmplane.dataplane.filters.rbac.RbacInput;
import io.wasmplane.dataplane.filters.rbac.RbacTranslator;
import io.wasmplane.dataplane.tls.ConnectionTls;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One RBAC decision on a compiled Istio-shaped ALLOW policy set (ten AuthorizationPolicy rules: SPIFFE principals,
 * methods, path prefixes, a namespace prefix), for a request the last policy allows and one no policy matches (every
 * policy tried). What the RBAC filter adds per request beside building its input.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class RbacEngineBenchmark {
  private RbacEngine engine;
  private RbacInput allowedByLast;
  private RbacInput denied;

  @Setup
  public void setup() throws Exception {
    StringBuilder policies = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      policies.append(i == 0 ? "" : ",").append("""
          "ns[default]-policy[p%1$d]-rule[0]": {
            "permissions": [{"andRules": {"rules": [
              {"orRules": {"rules": [{"header": {"name": ":method", "stringMatch": {"exact": "GET"}}},
                                     {"header": {"name": ":method", "stringMatch": {"exact": "HEAD"}}}]}},
              {"orRules": {"rules": [{"urlPath": {"path": {"prefix": "/api/v%1$d/"}}}]}}]}}],
            "principals": [{"andIds": {"ids": [{"orIds": {"ids": [
              {"authenticated": {"principalName": {"exact": "spiffe://cluster.local/ns/default/sa/client-%1$d"}}},
              {"authenticated": {"principalName": {"prefix": "spiffe://cluster.local/ns/trusted-%1$d/"}}}]}}]}}]
          }""".formatted(i));
    }
    RBAC.Builder b = RBAC.newBuilder();
    EnvoyTypes.PARSER.merge("{\"action\": \"ALLOW\", \"policies\": {" + policies + "}}", b);
    engine = RbacTranslator.engine(b.build(), "bench");
    allowedByLast = input("/api/v9/books?page=2", "spiffe://cluster.local/ns/default/sa/client-9");
    denied = input("/admin", "spiffe://cluster.local/ns/other/sa/x");
  }

  private static RbacInput input(String uri, String spiffe) {
    HttpHeaders h = new DefaultHttpHeaders().add("host", "svc").add("user-agent", "bench").add("accept", "*/*");
    ConnectionTls.CertFacts peer = new ConnectionTls.CertFacts("CN=client", "CN=ca", List.of(spiffe), List.of(), "00", "01");
    ConnectionTls tls = new ConnectionTls("TLSv1.3", "TLS_AES_128_GCM_SHA256", Optional.empty(), Optional.of(peer), Optional.empty(), List.of());
    InetSocketAddress remote = new InetSocketAddress("10.0.0.7", 40000);
    return new RbacInput(RequestFacts.of("GET", uri, h, "https"), new InetSocketAddress("10.0.0.1", 8080), remote, remote, tls, null);
  }

  @Benchmark
  public boolean allowedByTheLastPolicy() {
    return engine.evaluate(allowedByLast).allowed();
  }

  @Benchmark
  public boolean deniedAfterEveryPolicy() {
    return engine.evaluate(denied).allowed();
  }
}

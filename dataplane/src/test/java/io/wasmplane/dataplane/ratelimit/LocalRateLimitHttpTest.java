package io.wasmplane.dataplane.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.AccessLogFiles;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.GrpcHealthUpstream;
import io.wasmplane.dataplane.testing.H2cClient;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * envoy.filters.http.local_ratelimit through a real data plane and upstream, one virtual host per case so each case
 * owns its bucket: the filter's bucket (N pass with x-ratelimit headers, N+1 is 429 with the configured header, body
 * local_rate_limited, RL in the access log, counted); a route's own bucket and status beside it; enabled but not enforced
 * (passes with the request header, counted enabled and rate_limited, not enforced); not enabled (never limited, never
 * counted); a bucket per downstream connection; descriptors (request_headers, generic_key + header_value_match,
 * remote_address) with their own buckets; a gRPC call answered RESOURCE_EXHAUSTED; a refill after fill_interval.
 * Long fill intervals keep the counts exact; only the refill case waits, bounded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class LocalRateLimitHttpTest {
  private static final String RL = "\"@type\": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";
  private static final String ALWAYS = "{default_value: {numerator: 100, denominator: HUNDRED}, runtime_key: rl_on}";

  private static String vhost(String domain, String perRoute) {
    return """
        - name: %1$s
          domains: ["%1$s"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: a}
            typed_per_filter_config:
              envoy.filters.http.local_ratelimit:
                %2$s
        %3$s
        """.formatted(domain, RL, Bootstraps.indent(perRoute, 8));
  }

  private static String hcmFields(Path log) {
    String vhosts = vhost("route.example", """
        stat_prefix: route_rl
        status: {code: ServiceUnavailable}
        token_bucket: {max_tokens: 2, fill_interval: 3600s}
        filter_enabled: %1$s
        filter_enforced: %1$s
        """.formatted(ALWAYS))
        + vhost("shadow.example", """
        stat_prefix: shadow_rl
        token_bucket: {max_tokens: 1, fill_interval: 3600s}
        filter_enabled: %s
        request_headers_to_add_when_not_enforced:
        - header: {key: x-rl-not-enforced, value: "true"}
        """.formatted(ALWAYS))
        + vhost("off.example", """
        stat_prefix: off_rl
        token_bucket: {max_tokens: 1, fill_interval: 3600s}
        filter_enforced: %s
        """.formatted(ALWAYS))
        + vhost("conn.example", """
        stat_prefix: conn_rl
        token_bucket: {max_tokens: 2, fill_interval: 3600s}
        filter_enabled: %1$s
        filter_enforced: %1$s
        local_rate_limit_per_downstream_connection: true
        """.formatted(ALWAYS))
        + vhost("grpc.example", """
        stat_prefix: grpc_rl
        token_bucket: {max_tokens: 1, fill_interval: 3600s}
        filter_enabled: %1$s
        filter_enforced: %1$s
        rate_limited_as_resource_exhausted: true
        """.formatted(ALWAYS))
        + vhost("desc.example", """
        stat_prefix: desc_rl
        token_bucket: {max_tokens: 100, fill_interval: 3600s}
        filter_enabled: %1$s
        filter_enforced: %1$s
        enable_x_ratelimit_headers: DRAFT_VERSION_03
        rate_limits:
        - actions: [{request_headers: {header_name: x-client-id, descriptor_key: client_id}}]
        - actions:
          - generic_key: {descriptor_value: api}
          - header_value_match: {descriptor_value: post, headers: [{name: ":method", string_match: {exact: POST}}]}
        - actions: [{remote_address: {}}]
        descriptors:
        - entries: [{key: client_id, value: foo}]
          token_bucket: {max_tokens: 1, fill_interval: 3600s}
        - entries: [{key: generic_key, value: api}, {key: header_match, value: post}]
          token_bucket: {max_tokens: 2, fill_interval: 3600s}
        - entries: [{key: remote_address, value: 10.9.9.9}]
          token_bucket: {max_tokens: 1, fill_interval: 3600s}
        """.formatted(ALWAYS))
        + vhost("refill.example", """
        stat_prefix: refill_rl
        token_bucket: {max_tokens: 1, tokens_per_fill: 1, fill_interval: 0.2s}
        filter_enabled: %1$s
        filter_enforced: %1$s
        """.formatted(ALWAYS));
    return """
        access_log:
        - name: envoy.access_loggers.file
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
            path: %1$s
            log_format: {text_format: "%%REQ(:AUTHORITY)%%%%REQ(:PATH)%% %%RESPONSE_CODE%% %%RESPONSE_FLAGS%% %%RESPONSE_CODE_DETAILS%%\\n"}
        route_config:
          name: local
          virtual_hosts:
        %2$s
          - name: all
            domains: ["*"]
            routes:
            - match: {prefix: "/"}
              route: {cluster: a}
        http_filters:
        - name: envoy.filters.http.local_ratelimit
          typed_config:
            %3$s
            stat_prefix: http_local_rate_limiter
            token_bucket: {max_tokens: 3, tokens_per_fill: 3, fill_interval: 3600s}
            filter_enabled: %4$s
            filter_enforced: %4$s
            response_headers_to_add:
            - append_action: OVERWRITE_IF_EXISTS_OR_ADD
              header: {key: x-local-rate-limit, value: "true"}
            enable_x_ratelimit_headers: DRAFT_VERSION_03
        - name: envoy.filters.http.router
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
        """.formatted(log, Bootstraps.indent(vhosts, 2), RL, ALWAYS);
  }

  private TestUpstream a;
  private Path log;
  private Dataplane dp;
  private int port;

  @BeforeAll
  void start() throws Exception {
    a = new TestUpstream("a");
    log = Files.createTempFile("local-rl", ".log");
    dp = Bootstraps.start(Bootstraps.hcmListener(hcmFields(log), null, Bootstraps.staticCluster("a", a.port(), null)));
    port = dp.port("ingress");
  }

  @AfterAll
  void stop() throws Exception {
    dp.close();
    a.close();
    Files.deleteIfExists(log);
  }

  private long counter(String name) {
    return dp.server().stats().snapshot().counter(name);
  }

  private String adminStats(String filter) throws Exception {
    return Http.h1().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.adminPort() + "/stats?filter=" + filter))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private String logLine(String authorityAndPath) throws Exception {
    for (int i = 0; i < 50; i++) {
      for (String l : AccessLogFiles.awaitLines(dp, log, 1)) {
        if (l.startsWith(authorityAndPath + " ")) {
          return l;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no access log line for " + authorityAndPath);
  }

  @Test
  void theFiltersBucketLetsNRequestsThroughThenAnswers429WithItsHeadersAndARouteBucketIsItsOwn() throws Exception {
    for (int i = 1; i <= 3; i++) {
      RawResponse ok = RawResponse.get(port, "svc", "/ok" + i);
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.header("x-upstream-name")).containsExactly("a");
      assertThat(ok.header("x-ratelimit-limit")).containsExactly("3");
      assertThat(ok.header("x-ratelimit-remaining")).containsExactly(Integer.toString(3 - i));
      assertThat(ok.header("x-local-rate-limit")).isEmpty(); // only on limited responses
    }
    int upstream = a.requests.get();
    RawResponse limited = RawResponse.get(port, "svc", "/limited");
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.body()).isEqualTo("local_rate_limited");
    assertThat(limited.header("x-local-rate-limit")).containsExactly("true");
    assertThat(limited.header("x-envoy-ratelimited")).containsExactly("true");
    assertThat(limited.header("x-ratelimit-limit")).containsExactly("3");
    assertThat(limited.header("x-ratelimit-remaining")).containsExactly("0");
    assertThat(Long.parseLong(limited.header("x-ratelimit-reset").get(0))).isBetween(3500L, 3600L);
    assertThat(a.requests.get()).isEqualTo(upstream);
    assertThat(logLine("svc/limited")).isEqualTo("svc/limited 429 RL local_rate_limited");
    assertThat(counter("http_local_rate_limiter.http_local_rate_limit.enabled")).isEqualTo(4);
    assertThat(counter("http_local_rate_limiter.http_local_rate_limit.ok")).isEqualTo(3);
    assertThat(counter("http_local_rate_limiter.http_local_rate_limit.rate_limited")).isEqualTo(1);
    assertThat(counter("http_local_rate_limiter.http_local_rate_limit.enforced")).isEqualTo(1);
    assertThat(adminStats("http_local_rate_limit")).contains("http_local_rate_limiter.http_local_rate_limit.enforced: 1",
        "http_local_rate_limiter.http_local_rate_limit.ok: 3", "http_local_rate_limiter.http_local_rate_limit.rate_limited: 1");

    // The listener's bucket is empty; the route's config brings its own bucket, status and stats (no x-ratelimit headers).
    assertThat(RawResponse.get(port, "route.example", "/r1").status()).isEqualTo(200);
    RawResponse r2 = RawResponse.get(port, "route.example", "/r2");
    assertThat(r2.status()).isEqualTo(200);
    assertThat(r2.header("x-ratelimit-limit")).isEmpty();
    RawResponse r3 = RawResponse.get(port, "route.example", "/r3");
    assertThat(r3.status()).isEqualTo(503);
    assertThat(r3.body()).isEqualTo("local_rate_limited");
    assertThat(r3.header("x-local-rate-limit")).isEmpty();
    assertThat(r3.header("x-envoy-ratelimited")).isEmpty(); // only on 429s
    assertThat(counter("route_rl.http_local_rate_limit.ok")).isEqualTo(2);
    assertThat(counter("route_rl.http_local_rate_limit.enforced")).isEqualTo(1);
    assertThat(counter("http_local_rate_limiter.http_local_rate_limit.enabled")).isEqualTo(4);
  }

  @Test
  void enabledButNotEnforcedPassesWithTheRequestHeaderAndCountsEnabledButNotEnforced() throws Exception {
    RawResponse first = RawResponse.get(port, "shadow.example", "/s1");
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.upstreamSaw("x-rl-not-enforced")).isEmpty();
    RawResponse over = RawResponse.get(port, "shadow.example", "/s2");
    assertThat(over.status()).isEqualTo(200);
    assertThat(over.upstreamSaw("x-rl-not-enforced")).containsExactly("true");
    assertThat(counter("shadow_rl.http_local_rate_limit.enabled")).isEqualTo(2);
    assertThat(counter("shadow_rl.http_local_rate_limit.ok")).isEqualTo(1);
    assertThat(counter("shadow_rl.http_local_rate_limit.rate_limited")).isEqualTo(1);
    assertThat(counter("shadow_rl.http_local_rate_limit.enforced")).isZero();
  }

  @Test
  void withoutFilterEnabledNothingIsLimitedOrCounted() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(RawResponse.get(port, "off.example", "/off").status()).isEqualTo(200);
    }
    assertThat(counter("off_rl.http_local_rate_limit.enabled")).isZero();
    assertThat(counter("off_rl.http_local_rate_limit.rate_limited")).isZero();
  }

  @Test
  void perConnectionBucketsLimitEachConnectionOnItsOwn() throws Exception {
    for (int c = 0; c < 2; c++) {
      try (H2cClient h2 = new H2cClient(port)) {
        assertThat(h2.request("GET", "/c1", "conn.example", null).get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(h2.request("GET", "/c2", "conn.example", null).get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
        H2cClient.Response third = h2.request("GET", "/c3", "conn.example", null).get(5, TimeUnit.SECONDS);
        assertThat(third.status()).isEqualTo(429);
        assertThat(third.body()).isEqualTo("local_rate_limited");
      }
    }
    assertThat(counter("conn_rl.http_local_rate_limit.ok")).isEqualTo(4);
    assertThat(counter("conn_rl.http_local_rate_limit.enforced")).isEqualTo(2);
  }

  @Test
  void aRateLimitedGrpcCallGetsResourceExhaustedTrailersOnly() throws Exception {
    assertThat(RawResponse.get(port, "grpc.example", "/takes-the-token").status()).isEqualTo(200);
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().overrideAuthority("grpc.example").build();
    try {
      GrpcHealthUpstream.who(ch);
      throw new AssertionError("the call was not rate limited");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(e.getStatus().getDescription()).isEqualTo("local_rate_limited");
    } finally {
      ch.shutdownNow();
    }
    assertThat(logLine("grpc.example/test.Who/Name")).isEqualTo("grpc.example/test.Who/Name 200 RL local_rate_limited");
  }

  @Test
  void descriptorsFromTheFiltersRateLimitsHaveTheirOwnBuckets() throws Exception {
    // request_headers: client foo has one token; client bar matches no descriptor and takes from the default bucket.
    RawResponse foo = RawResponse.get(port, "desc.example", "/d", "x-client-id: foo");
    assertThat(foo.status()).isEqualTo(200);
    assertThat(foo.header("x-ratelimit-limit")).containsExactly("1");
    RawResponse fooAgain = RawResponse.get(port, "desc.example", "/d", "x-client-id: foo");
    assertThat(fooAgain.status()).isEqualTo(429);
    assertThat(fooAgain.header("x-ratelimit-limit")).containsExactly("1");
    RawResponse bar = RawResponse.get(port, "desc.example", "/d", "x-client-id: bar");
    assertThat(bar.status()).isEqualTo(200);
    assertThat(bar.header("x-ratelimit-limit")).containsExactly("100");
    // generic_key + header_value_match: two POSTs, then the third is limited; GETs never make that descriptor.
    assertThat(RawResponse.sendBody(port, "POST", "desc.example", "/d", "a").status()).isEqualTo(200);
    assertThat(RawResponse.sendBody(port, "POST", "desc.example", "/d", "b").status()).isEqualTo(200);
    assertThat(RawResponse.sendBody(port, "POST", "desc.example", "/d", "c").status()).isEqualTo(429);
    assertThat(RawResponse.get(port, "desc.example", "/d").status()).isEqualTo(200);
    // remote_address: the trusted client address (the last x-forwarded-for entry, use_remote_address being off).
    assertThat(RawResponse.get(port, "desc.example", "/d", "x-forwarded-for: 10.9.9.9").status()).isEqualTo(200);
    assertThat(RawResponse.get(port, "desc.example", "/d", "x-forwarded-for: 10.9.9.9").status()).isEqualTo(429);
    assertThat(RawResponse.get(port, "desc.example", "/d", "x-forwarded-for: 10.9.9.8").status()).isEqualTo(200);
    assertThat(counter("desc_rl.http_local_rate_limit.enforced")).isEqualTo(3);
  }

  @Test
  void theBucketRefillsAfterFillInterval() throws Exception {
    // Take the token (a refill may land between the two requests: then the first token comes back; bounded retries).
    Await.until("a request over the limit", Duration.ofSeconds(5),
        () -> RawResponse.get(port, "refill.example", "/x").status() == 429);
    Await.until("a request let through after a refill", Duration.ofSeconds(5),
        () -> RawResponse.get(port, "refill.example", "/y").status() == 200);
    assertThat(counter("refill_rl.http_local_rate_limit.rate_limited")).isPositive();
  }
}

package io.wasmplane.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Await;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.GrpcHealthUpstream;
import io.wasmplane.dataplane.testing.LoopbackAcceptor;
import io.wasmplane.dataplane.testing.Ports;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.wasm.WasmTestSupport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Local replies to gRPC requests (Envoy's sendLocalReply): a real grpc-java client gets a trailers-only response whose
 * grpc-status is the HTTP status mapped (the router's 503 for an unreachable cluster and 504 for a route timeout are
 * both UNAVAILABLE, as Envoy's httpToGrpcStatus maps them) or the status a Wasm plugin passed to
 * proxy_send_local_response, and whose grpc-message is the reply's body. The access log's %RESPONSE_CODE% is the 200
 * sent, %GRPC_STATUS% the gRPC status (in its three formats; "-" for a request that is not gRPC).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class GrpcLocalReplyTest {
  private static final String H2 = """
      typed_extension_protocol_options:
        envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
          "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
          explicit_http_config: {http2_protocol_options: {}}
      """;
  private static final String ROUTES = """
      name: rc
      virtual_hosts:
      - name: dead
        domains: ["dead.example"]
        routes:
        - match: {prefix: "/"}
          route: {cluster: dead}
      - name: silent
        domains: ["silent.example"]
        routes:
        - match: {prefix: "/"}
          route: {cluster: silent, timeout: 0.3s}
      - name: live
        domains: ["*"]
        routes:
        - match: {prefix: "/"}
          route: {cluster: live}
      """;

  private static final String LOG_FORMAT =
      "%REQ(:AUTHORITY)% %RESPONSE_CODE% %GRPC_STATUS% %GRPC_STATUS(NUMBER)% %GRPC_STATUS(SNAKE_STRING)% %RESPONSE_CODE_DETAILS%";

  private GrpcHealthUpstream live;
  /** Accepts connections and never answers: the route's timeout fires. */
  private LoopbackAcceptor silent;
  private Path log;
  private Path unavailable;
  private Dataplane dp;

  @BeforeAll
  void start() throws Exception {
    live = new GrpcHealthUpstream("live");
    silent = new LoopbackAcceptor("silent", GrpcLocalReplyTest::drain);
    log = Files.createTempFile("grpc-local-reply", ".log");
    unavailable = Files.createTempFile("grpc-unavailable", ".log");
    String clusters = Bootstraps.staticCluster("live", live.port(), H2) + Bootstraps.staticCluster("silent", silent.port(), H2)
        + Bootstraps.staticCluster("dead", Ports.freePort(), H2); // nothing listens there: every connect is refused
    String wasm = """
        - name: envoy.filters.http.wasm
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
            config:
              name: c_headers
              configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: "stamp"}
              vm_config: {vm_id: c_vm, runtime: envoy.wasm.runtime.v8, code: {local: {filename: "%s"}}}
        """.formatted(WasmTestSupport.plugin("c/c_headers.wasm"));
    String yaml = Bootstraps.withRouteConfig(ROUTES, null, clusters, log, null, wasm);
    String pathLine = yaml.lines().filter(l -> l.endsWith("path: " + log)).findFirst().orElseThrow();
    String indent = pathLine.substring(0, pathLine.indexOf("path:"));
    // A second logger keeps only UNAVAILABLE gRPC streams (AccessLog.filter grpc_status_filter).
    String unavailableLog = indent.substring(4) + "- name: envoy.access_loggers.file\n"
        + indent.substring(2) + "filter: {grpc_status_filter: {statuses: [UNAVAILABLE]}}\n"
        + indent.substring(2) + "typed_config: {\"@type\": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog, "
        + "path: \"" + unavailable + "\", log_format: {text_format: \"%REQ(:AUTHORITY)% %GRPC_STATUS%\\n\"}}";
    dp = Bootstraps.start(yaml.replace(pathLine, pathLine + "\n" + indent + "log_format: {text_format: \"" + LOG_FORMAT + "\\n\"}"
        + "\n" + unavailableLog));
  }

  @AfterAll
  void stop() throws Exception {
    dp.close();
    live.close();
    silent.close();
    Files.deleteIfExists(log);
    Files.deleteIfExists(unavailable);
  }

  private static void drain(java.net.Socket s) {
    try (s; InputStream in = s.getInputStream()) {
      byte[] buf = new byte[4096];
      while (in.read(buf) >= 0) {
        // hold the connection, answer nothing
      }
    } catch (IOException closed) {
      // the proxy gave up on it
    }
  }

  private void awaitLogLine(java.util.function.Predicate<String> line) throws Exception {
    Await.until("an access log line as expected", () -> {
      dp.server().flushAccessLogs();
      return Files.readAllLines(log).stream().anyMatch(line);
    });
  }

  private ManagedChannel channel(String authority) {
    return NettyChannelBuilder.forAddress("127.0.0.1", dp.port("ingress")).usePlaintext().overrideAuthority(authority).build();
  }

  private static Status call(Channel ch) {
    try {
      GrpcHealthUpstream.who(ch);
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void anUnreachableClusterIsUnavailableWithTheRoutersMessageAndLogsResponseCode200() throws Exception {
    ManagedChannel ch = channel("dead.example");
    try {
      Status s = call(ch);
      assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(s.getDescription()).startsWith("upstream connect error or disconnect/reset before headers");
    } finally {
      ch.shutdownNow();
    }
    awaitLogLine(l -> l.startsWith("dead.example 200 Unavailable 14 UNAVAILABLE upstream_reset_before_response_started"));
  }

  @Test
  void aRouteTimeoutIsUnavailableAsEnvoyMaps504() throws Exception {
    ManagedChannel ch = channel("silent.example");
    try {
      Status s = call(ch);
      assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(s.getDescription()).isEqualTo("upstream request timeout");
    } finally {
      ch.shutdownNow();
    }
    awaitLogLine(l -> l.equals("silent.example 200 Unavailable 14 UNAVAILABLE upstream_response_timeout"));
  }

  @Test
  void aWasmLocalReplyWithAGrpcStatusGivesThatStatus() throws Exception {
    ManagedChannel ch = channel("live.example");
    try {
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("x-c-grpc-status", Metadata.ASCII_STRING_MARSHALLER), "8");
      Status s = call(ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(md)));
      assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(s.getDescription()).isEqualTo("refused by c_headers");
    } finally {
      ch.shutdownNow();
    }
    // The same reply to a request that is not gRPC keeps its HTTP status and body.
    RawResponse plain = RawResponse.get(dp.port("ingress"), "live.example", "/x", "x-c-grpc-status: 8");
    assertThat(plain.status()).isEqualTo(429);
    assertThat(plain.body()).startsWith("refused by c_headers");
    assertThat(plain.header("grpc-status")).isEmpty();
    awaitLogLine(l -> l.equals("live.example 200 ResourceExhausted 8 RESOURCE_EXHAUSTED c_headers_grpc_refused"));
    awaitLogLine(l -> l.equals("live.example 429 - - - c_headers_grpc_refused"));
  }

  @Test
  void aGrpcStatusFilterKeepsOnlyTheStatusesItNames() throws Exception {
    ManagedChannel dead = channel("dead.example");
    ManagedChannel live = channel("live.example");
    try {
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("x-c-grpc-status", Metadata.ASCII_STRING_MARSHALLER), "8");
      assertThat(call(ClientInterceptors.intercept(live, MetadataUtils.newAttachHeadersInterceptor(md))).getCode())
          .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(call(dead).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      awaitLogLine(l -> l.startsWith("live.example 200 ResourceExhausted"));
      awaitLogLine(l -> l.startsWith("dead.example 200 Unavailable")); // both finished: the filtered log has all it will get
      dp.server().flushAccessLogs();
      List<String> kept = Files.readAllLines(unavailable); // the class's other tests log here too: their streams end UNAVAILABLE
      assertThat(kept).contains("dead.example Unavailable").allMatch(l -> l.endsWith(" Unavailable"));
      assertThat(kept).noneMatch(l -> l.startsWith("live.example"));
    } finally {
      dead.shutdownNow();
      live.shutdownNow();
    }
  }

  @Test
  void grpcMessageIsPercentEncodedAsTheGrpcSpecAsks() {
    assertThat(GrpcLocalReply.percentEncode("no healthy upstream")).isEqualTo("no healthy upstream");
    assertThat(GrpcLocalReply.percentEncode("100% sure\né")).isEqualTo("100%25 sure%0A%C3%A9");
    assertThat(GrpcLocalReply.percentEncode("~\u007f")).isEqualTo("~%7F");
  }
}

package io.wasmplane.dataplane.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TcpEchoServer;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * The hostile plugins of plugins/wat/hostile as HTTP and network filters of one data plane with one worker
 * ({@code --concurrency 1}), each behind a FAIL_CLOSED and a FAIL_OPEN listener, beside a listener with a healthy
 * plugin on the same worker. The watchdog's call timeout (500 ms) and the page limit (64 pages) are set as a user
 * sets them ({@code wasmplane.wasm.call_timeout}, {@code wasmplane.wasm.max_memory_pages}). Each failure gets
 * Envoy's status (503 / passes), a log line naming plugin and callback, {@code wasm.<plugin>.vm_failures}, and the
 * healthy listener keeps serving. docs/hostile-plugins.md has the whole matrix.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class HostilePluginsDataplaneTest {
  // Short enough to keep the endless loops brief, long enough that a loaded 2-core machine does not turn a finite call
  // into a TIMEOUT: a call that ran past the deadline is one whatever ended it, and req_grow allocates 60 pages of
  // 64 KiB, so a GC pause or a descheduled worker lands inside it.
  private static final Duration CALL_TIMEOUT = Duration.ofMillis(500);
  private static final Path ACCESS_LOG = accessLog();

  private static Path accessLog() {
    try {
      Path p = java.nio.file.Files.createTempFile("hostile-access", ".log");
      p.toFile().deleteOnExit();
      return p;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** What the access log says about a listener's streams (on an assertion failure). */
  private static String accessLogOf(String listener) throws IOException {
    return java.nio.file.Files.readAllLines(ACCESS_LOG).stream().filter(l -> l.startsWith(listener + " ")).toList()
        .toString();
  }

  /** One hostile HTTP plugin: its module, configuration, the request that sets it off, and what fails. */
  record Scenario(String name, String module, String configuration, String trigger, String callback, String kind) {
    String pluginName(boolean closed) {
      return name + (closed ? "_closed" : "_open");
    }
  }

  static final List<Scenario> HTTP = List.of(
      new Scenario("req_trap", "hostile_callbacks", "hu", "GET", "proxy_on_request_headers", "TRAP"),
      new Scenario("req_loop", "hostile_callbacks", "hl", "GET", "proxy_on_request_headers", "TIMEOUT"),
      new Scenario("req_grow", "hostile_callbacks", "hg", "GET", "proxy_on_request_headers", "MEMORY_LIMIT"),
      new Scenario("req_exit", "hostile_callbacks", "hx", "GET", "proxy_on_request_headers", "PROC_EXIT"),
      new Scenario("req_recursion", "hostile_callbacks", "hr", "GET", "proxy_on_request_headers", "STACK_EXHAUSTED"),
      new Scenario("ctx_trap", "hostile_callbacks", "xu", "GET", "proxy_on_context_create", "TRAP"),
      new Scenario("body_trap", "hostile_callbacks", "bu", "POST", "proxy_on_request_body", "TRAP"),
      new Scenario("resp_trap", "hostile_callbacks", "Hu", "GET", "proxy_on_response_headers", "TRAP"),
      // no stream sees these fail: the tick fails the VM on its own, the call response after the stream passed
      new Scenario("tick_loop", "hostile_callbacks", "kl", "NONE", "proxy_on_tick", "TIMEOUT"),
      new Scenario("call_trap", "hostile_callbacks", "ru", "GET_THEN", "proxy_on_http_call_response", "TRAP"),
      new Scenario("alloc_trap", "hostile_callbacks", "au", "GET", "malloc", "TRAP"),
      new Scenario("alloc_recursion", "hostile_alloc", "r", "GET", "malloc", "STACK_EXHAUSTED"));

  private final HttpClient client = Http.h1();
  private final List<String> systemProperties = List.of("wasmplane.wasm.call_timeout", "wasmplane.wasm.max_memory_pages");
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private Logger vmLog;
  private final ListAppender<ILoggingEvent> filterLogs = new ListAppender<>();
  private Logger filterLog;
  private TestUpstream upstream;
  private TcpEchoServer echo;
  private Dataplane dp;

  private static Path plugin(String module) {
    return Path.of(System.getProperty("wasmplane.plugins.dir", "../plugins/build"), "wat", module + ".wasm").toAbsolutePath();
  }

  private static String wasmConfig(String pluginName, String module, String configuration, String policy) {
    return """
        name: %s
        root_id: %s
        failure_policy: %s
        configuration: {"@type": type.googleapis.com/google.protobuf.StringValue, value: "%s"}
        vm_config:
          vm_id: %s
          runtime: envoy.wasm.runtime.v8
          code: {local: {filename: "%s"}}
        """.formatted(pluginName, pluginName, policy, configuration, pluginName, plugin(module));
  }

  private static String httpListener(String listener, String pluginName, String module, String configuration,
      String policy) {
    return """
        - name: %s
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          filter_chains:
          - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: %s
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                    log_format: {text_format: "%s %%RESPONSE_CODE%% %%RESPONSE_CODE_DETAILS%% %%RESPONSE_FLAGS%%\\n"}
                route_config:
                  virtual_hosts:
                  - name: all
                    domains: ["*"]
                    routes: [{match: {prefix: "/"}, route: {cluster: up}}]
                http_filters:
                - name: envoy.filters.http.wasm
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
                    config:
        %s
                - name: envoy.filters.http.router
                  typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
        """.formatted(listener, listener, ACCESS_LOG, listener,
            Bootstraps.indent(wasmConfig(pluginName, module, configuration, policy), 14));
  }

  private static String networkListener(String listener, String module, String configuration, String policy) {
    return """
        - name: %s
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
          filter_chains:
          - filters:
            - name: envoy.filters.network.wasm
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
                config:
        %s
            - name: envoy.filters.network.tcp_proxy
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                stat_prefix: %s
                cluster: echo
        """.formatted(listener, Bootstraps.indent(wasmConfig(listener, module, configuration, policy), 10), listener);
  }

  @BeforeAll
  void start() throws Exception {
    vmLog = (Logger) LoggerFactory.getLogger("io.wasmplane.wasm.abi.VmState");
    logs.start();
    vmLog.addAppender(logs);
    filterLog = (Logger) LoggerFactory.getLogger(WasmHttpFilter.class);
    filterLogs.start();
    filterLog.addAppender(filterLogs);
    upstream = new TestUpstream("up");
    echo = new TcpEchoServer();
    StringBuilder listeners = new StringBuilder();
    for (Scenario s : HTTP) {
      for (boolean closed : new boolean[] {true, false}) {
        listeners.append(httpListener(s.pluginName(closed), s.pluginName(closed), s.module(), s.configuration(),
            closed ? "FAIL_CLOSED" : "FAIL_OPEN"));
      }
    }
    listeners.append(httpListener("loop_latency", "loop_latency", "hostile_callbacks", "hl", "FAIL_CLOSED"));
    listeners.append(httpListener("oob", "oob", "hostile_oob", "1", "FAIL_CLOSED"));
    listeners.append(httpListener("healthy", "healthy", "hostile_callbacks", "", "FAIL_CLOSED"));
    for (String fault : List.of("u", "l")) {
      listeners.append(networkListener("net_" + fault + "_closed", "hostile_callbacks", "s" + fault, "FAIL_CLOSED"));
      listeners.append(networkListener("net_" + fault + "_open", "hostile_callbacks", "s" + fault, "FAIL_OPEN"));
    }
    System.setProperty("wasmplane.wasm.call_timeout", CALL_TIMEOUT.toMillis() + "ms");
    System.setProperty("wasmplane.wasm.max_memory_pages", "64");
    dp = Dataplane.start(io.wasmplane.dataplane.config.BootstrapLoader.fromText("""
        static_resources:
          listeners:
        %s
          clusters:
        %s
        %s
        """.formatted(Bootstraps.indent(listeners.toString(), 2), Bootstraps.staticCluster("up", upstream.port(), null),
        Bootstraps.staticCluster("echo", echo.port(), null)), "hostile bootstrap"),
        Dataplane.Options.defaults().withConcurrency(1).withDrainTime(Duration.ofSeconds(1)));
  }

  @AfterAll
  void stop() throws Exception {
    systemProperties.forEach(System::clearProperty);
    vmLog.detachAppender(logs);
    filterLog.detachAppender(filterLogs);
    if (dp != null) {
      dp.close();
    }
    echo.close();
    upstream.close();
  }

  private HttpResponse<String> send(String listener, String method) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dp.port(listener) + "/x"))
        .timeout(Duration.ofSeconds(10)).header("x-a", "va"); // hostile_alloc reads it
    if (method.equals("POST")) {
      b.POST(HttpRequest.BodyPublishers.ofString("body"));
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private long failures(String pluginName) {
    return dp.server().stats().snapshot().counter("wasm." + pluginName + ".vm_failures");
  }

  private void awaitFailure(String pluginName) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (failures(pluginName) == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  private List<String> logLines() {
    synchronized (logs.list) {
      List<String> out = new ArrayList<>();
      logs.list.forEach(e -> out.add(e.getFormattedMessage()));
      return out;
    }
  }

  /** WARN lines of the HTTP Wasm filter about this plugin. */
  private long warnings(String pluginName) {
    synchronized (filterLogs.list) {
      return filterLogs.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
          .filter(e -> e.getFormattedMessage().contains("plugin=" + pluginName + " ")).count();
    }
  }

  static Stream<Arguments> httpCases() {
    return HTTP.stream().flatMap(s -> Stream.of(Arguments.of(s, true), Arguments.of(s, false)));
  }

  @ParameterizedTest(name = "{0} closed={1}")
  @MethodSource("httpCases")
  void aHostileHttpPluginGetsItsFailurePolicyAndTheWorkerServesOn(Scenario s, boolean closed) throws Exception {
    String name = s.pluginName(closed);
    HttpResponse<String> r;
    switch (s.trigger()) {
      case "NONE" -> {
        awaitFailure(name);
        r = send(name, "GET");
      }
      case "GET_THEN" -> {
        // the call's response may fail the VM before or after the upstream's: if before, the stream's next callback
        // applies the policy (Envoy's direct local reply, as the response has not reached the client yet)
        // ...or, if the response head had already gone out (flushed as it arrived, as Envoy does), reset the
        // stream after the head: a truncated response the client reports as an IOException
        try {
          HttpResponse<String> first = send(name, "GET");
          assertThat(first.statusCode()).as("access log " + accessLogOf(name)).isIn(200, closed ? 503 : 200);
        } catch (java.io.IOException truncated) {
          assertThat(closed).as("only the closed policy resets: " + truncated).isTrue();
        }
        awaitFailure(name);
        r = send(name, "GET");
      }
      default -> r = send(name, s.trigger());
    }
    assertThat(r.statusCode()).as("status through " + name + "; access log " + accessLogOf(name))
        .isEqualTo(closed ? 503 : 200);
    assertThat(failures(name)).as("wasm." + name + ".vm_failures").isEqualTo(1);
    assertThat(logLines()).anySatisfy(line -> assertThat(line)
        .contains("plugin '" + name + "' failed in " + s.callback() + " (" + s.kind() + ")"));
    // the failed VM stays failed: the policy answers at once, no second failure is counted, no new WARN line
    long warnings = warnings(name);
    assertThat(send(name, s.trigger().equals("POST") ? "POST" : "GET").statusCode()).isEqualTo(closed ? 503 : 200);
    assertThat(failures(name)).isEqualTo(1);
    assertThat(warnings(name)).as("WARN lines of the filter for " + name).isEqualTo(warnings);
    assertThat(send("healthy", "GET").statusCode()).isEqualTo(200);
    if (s.trigger().equals("GET_THEN")) {
      return; // the call's response may fail the VM after the response headers went out: then the stream is reset
    }
    // no stream was reset: a failure before the response reached the client answers with a status (the Java client
    // would silently retry a reset GET, so the access log is the witness)
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (accessLogOf(name).split(",").length < 2 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(accessLogOf(name)).doesNotContain(" LR").doesNotContain(" 200 wasm_fail_stream");
  }

  @Test
  void outOfBoundsPointersFailNothing() throws Exception {
    assertThat(send("oob", "GET").statusCode()).isEqualTo(200);
    assertThat(failures("oob")).isZero();
    assertThat(send("healthy", "GET").statusCode()).isEqualTo(200);
  }

  @Test
  void anEndlessLoopHoldsTheWorkerNoLongerThanTheCallTimeout() throws Exception {
    assertThat(send("healthy", "GET").statusCode()).isEqualTo(200); // warm: connection and VM exist
    long start = System.nanoTime();
    CompletableFuture<HttpResponse<String>> looping = CompletableFuture.supplyAsync(() -> {
      try {
        return send("loop_latency", "GET");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.sleep(20);
    // while the loop holds the only worker, the healthy listener's requests wait; none longer than the timeout
    long worstMs = 0;
    while (!looping.isDone() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
      long t = System.nanoTime();
      assertThat(send("healthy", "GET").statusCode()).isEqualTo(200);
      worstMs = Math.max(worstMs, (System.nanoTime() - t) / 1_000_000);
    }
    HttpResponse<String> stopped = looping.get(10, TimeUnit.SECONDS);
    long loopMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(stopped.statusCode()).isEqualTo(503);
    assertThat(loopMs).isGreaterThanOrEqualTo(CALL_TIMEOUT.toMillis());
    // a bound, not a performance target: the timeout plus generous slack for a loaded 2-core machine
    assertThat(worstMs).as("worst healthy latency (ms) during the loop").isLessThan(CALL_TIMEOUT.toMillis() + 2_000);
    assertThat(failures("loop_latency")).isEqualTo(1);
  }

  private String exchange(String listener) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", dp.port(listener)), 2000);
      s.setSoTimeout(5000);
      s.getOutputStream().write("ping".getBytes(StandardCharsets.UTF_8));
      byte[] buf = new byte[4];
      int got = 0;
      while (got < 4) {
        int n = s.getInputStream().read(buf, got, 4 - got);
        if (n < 0) {
          break;
        }
        got += n;
      }
      return new String(buf, 0, got, StandardCharsets.UTF_8) + (got < 4 ? "<closed>" : "");
    } catch (java.net.SocketException reset) {
      return "<closed>";
    }
  }

  @ParameterizedTest(name = "network fault {0}")
  @MethodSource("networkFaults")
  void aHostileNetworkPluginGetsItsFailurePolicy(String fault, String kind) throws Exception {
    assertThat(exchange("net_" + fault + "_closed")).isEqualTo("<closed>");
    assertThat(exchange("net_" + fault + "_open")).isEqualTo("ping");
    for (String policy : List.of("_closed", "_open")) {
      String name = "net_" + fault + policy;
      assertThat(failures(name)).as(name).isEqualTo(1);
      assertThat(logLines()).anySatisfy(line -> assertThat(line)
          .contains("plugin '" + name + "' failed in proxy_on_downstream_data (" + kind + ")"));
    }
    assertThat(send("healthy", "GET").statusCode()).isEqualTo(200);
  }

  static Stream<Arguments> networkFaults() {
    return Stream.of(Arguments.of("u", "TRAP"), Arguments.of("l", "TIMEOUT"));
  }
}

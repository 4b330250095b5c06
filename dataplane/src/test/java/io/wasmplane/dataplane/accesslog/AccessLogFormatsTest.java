package io.wasmplane.dataplane.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.testing.AccessLogFiles;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.RawResponse;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Envoy's access log formats and filters through real requests: format dictionaries (json_format, typed as Envoy types
 * them), AccessLog.filter, the stdout logger, and Istio's default text format.
 */
@Timeout(60)
class AccessLogFormatsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** "/" goes to cluster c (a live upstream), "/down" to cluster d (nobody listens: 503 UF). */
  private static final String ROUTES = """
      - name: all
        domains: ["*"]
        routes:
        - match: {prefix: "/down"}
          route: {cluster: d}
        - match: {prefix: "/"}
          route: {cluster: c}
      """;

  @TempDir
  Path dir;

  private static String bootstrap(String accessLogs, int upstreamPort, int deadPort) {
    String hcm = """
        access_log:
        %s
        route_config:
          name: local_route
          virtual_hosts:
        %s
        http_filters:
        - name: envoy.filters.http.router
          typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
        """.formatted(Bootstraps.indent(accessLogs, 0), Bootstraps.indent(ROUTES, 2));
    return Bootstraps.hcmListener(hcm, null,
        Bootstraps.staticCluster("c", upstreamPort, null) + Bootstraps.staticCluster("d", deadPort, null));
  }

  private static String fileLog(Path path, String rest) {
    return """
        - name: envoy.access_loggers.file
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
            path: "%s"
        %s
        """.formatted(path, Bootstraps.indent(rest, 4));
  }

  @Test
  void jsonFormatWritesOneTypedObjectPerRequest() throws Exception {
    Path log = dir.resolve("json.log");
    String logs = fileLog(log, """
        log_format:
          json_format:
            code: "%RESPONSE_CODE%"
            duration: "%DURATION%"
            method: "%REQ(:METHOD)%"
            line: "%REQ(:METHOD)% %REQ(:PATH)%"
            missing: "%REQ(X-NOT-SENT)%"
            fixed: 7
            upstream: {cluster: "%UPSTREAM_CLUSTER%", flags: "%RESPONSE_FLAGS%"}
        """);
    try (TestUpstream up = new TestUpstream("c"); Dataplane dp = Bootstraps.start(bootstrap(logs, up.port(), deadPort()))) {
      int port = dp.port("ingress");
      assertThat(RawResponse.get(port, "h", "/a?x=1").status()).isEqualTo(200);
      assertThat(RawResponse.get(port, "h", "/down").status()).isEqualTo(503);
      List<String> lines = AccessLogFiles.awaitLines(dp, log, 2);
      JsonNode ok = JSON.readTree(lines.get(0));
      assertThat(ok.get("code").isNumber()).isTrue();
      assertThat(ok.get("code").asInt()).isEqualTo(200);
      assertThat(ok.get("duration").isIntegralNumber()).isTrue();
      assertThat(ok.get("method").asText()).isEqualTo("GET");
      assertThat(ok.get("line").asText()).isEqualTo("GET /a?x=1");
      assertThat(ok.get("missing").isNull()).isTrue();
      assertThat(ok.get("fixed").asInt()).isEqualTo(7);
      assertThat(ok.get("upstream").get("cluster").asText()).isEqualTo("c");
      assertThat(ok.get("upstream").get("flags").isNull()).isTrue();
      assertThat(lines.get(0)).startsWith("{\"code\":200,\"duration\":"); // the configured order
      JsonNode failed = JSON.readTree(lines.get(1));
      assertThat(failed.get("code").asInt()).isEqualTo(503);
      assertThat(failed.get("upstream").get("flags").asText()).isEqualTo("UF");
    }
  }

  @Test
  void omitEmptyValuesDropsKeysWithoutAValue() throws Exception {
    Path log = dir.resolve("omit.log");
    String logs = fileLog(log, """
        log_format:
          omit_empty_values: true
          json_format: {path: "%REQ(:PATH)%", debug: "%REQ(X-DEBUG)%"}
        """);
    try (TestUpstream up = new TestUpstream("c"); Dataplane dp = Bootstraps.start(bootstrap(logs, up.port(), deadPort()))) {
      int port = dp.port("ingress");
      RawResponse.get(port, "h", "/plain");
      RawResponse.get(port, "h", "/debugged", "x-debug: on");
      List<String> lines = AccessLogFiles.awaitLines(dp, log, 2);
      assertThat(lines).containsExactly("{\"path\":\"/plain\"}", "{\"path\":\"/debugged\",\"debug\":\"on\"}");
    }
  }

  @Test
  void filtersChooseWhichRequestsAreLogged() throws Exception {
    Path errors = dir.resolve("errors.log");
    Path debug = dir.resolve("debug.log");
    Path none = dir.resolve("none.log");
    Path all = dir.resolve("all.log");
    String text = "log_format: {text_format: \"%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS%\\n\"}";
    String logs = String.join("\n",
        // errors: status >= 500 or any response flag
        fileLog(errors, text).stripTrailing() + "\n  filter:\n    or_filter:\n      filters:\n"
            + "      - status_code_filter: {comparison: {op: GE, value: {default_value: 500, runtime_key: k}}}\n"
            + "      - response_flag_filter: {}",
        // debug: a header present and a 2xx status
        fileLog(debug, text).stripTrailing() + "\n  filter:\n    and_filter:\n      filters:\n"
            + "      - header_filter: {header: {name: x-debug, present_match: true}}\n"
            + "      - status_code_filter: {comparison: {op: LE, value: {default_value: 299, runtime_key: k}}}",
        fileLog(none, text).stripTrailing() + "\n  filter: {runtime_filter: {runtime_key: r, percent_sampled: {numerator: 0}}}",
        fileLog(all, text).stripTrailing() + "\n  filter: {runtime_filter: {runtime_key: r, percent_sampled: {numerator: 100}}}");
    try (TestUpstream up = new TestUpstream("c"); Dataplane dp = Bootstraps.start(bootstrap(logs, up.port(), deadPort()))) {
      int port = dp.port("ingress");
      RawResponse.get(port, "h", "/ok");
      RawResponse.get(port, "h", "/ok-debug", "x-debug: 1");
      RawResponse.get(port, "h", "/down");
      RawResponse.get(port, "h", "/down-debug", "x-debug: 1");
      List<String> every = AccessLogFiles.awaitLines(dp, all, 4); // all four are written by now: the others too
      assertThat(every).hasSize(4);
      assertThat(AccessLogFiles.awaitLines(dp, errors, 2)).containsExactly("/down 503 UF", "/down-debug 503 UF");
      assertThat(AccessLogFiles.awaitLines(dp, debug, 1)).containsExactly("/ok-debug 200 -");
      assertThat(none).isEmptyFile(); // opened at start, never written
    }
  }

  @Test
  void stdoutLoggerWritesToTheProcessStandardOutput() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      String logs = """
          - name: envoy.access_loggers.stdout
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
              log_format: {text_format_source: {inline_string: "stdout-log %REQ(:PATH)% %RESPONSE_CODE%\\n"}}
          """;
      try (TestUpstream up = new TestUpstream("c"); Dataplane dp = Bootstraps.start(bootstrap(logs, up.port(), deadPort()))) {
        assertThat(RawResponse.get(dp.port("ingress"), "h", "/to-stdout").status()).isEqualTo(200);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 250 && lines.isEmpty(); i++) {
          dp.server().flushAccessLogs();
          captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("stdout-log ")).forEach(lines::add);
          Thread.sleep(20);
        }
        assertThat(lines).containsExactly("stdout-log /to-stdout 200");
      }
    } finally {
      System.setOut(original);
    }
  }

  /** Istio's default proxy access log format (meshConfig.accessLogFile), operators and all. */
  @Test
  void istiosDefaultTextFormatRenders() throws Exception {
    Path log = dir.resolve("istio.log");
    String istio = "[%START_TIME%] \\\"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\\\" %RESPONSE_CODE% "
        + "%RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% \\\"%UPSTREAM_TRANSPORT_FAILURE_REASON%\\\" "
        + "%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \\\"%REQ(X-FORWARDED-FOR)%\\\" "
        + "\\\"%REQ(USER-AGENT)%\\\" \\\"%REQ(X-REQUEST-ID)%\\\" \\\"%REQ(:AUTHORITY)%\\\" \\\"%UPSTREAM_HOST%\\\" "
        + "%UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\\n";
    String logs = fileLog(log, "log_format: {text_format_source: {inline_string: \"" + istio + "\"}}");
    try (TestUpstream up = new TestUpstream("c"); Dataplane dp = Bootstraps.start(bootstrap(logs, up.port(), deadPort()))) {
      int port = dp.port("ingress");
      RawResponse.get(port, "istio.example", "/productpage", "user-agent: curl/8");
      String line = AccessLogFiles.awaitLines(dp, log, 1).get(0);
      assertThat(line).matches("\\[\\S+] \"GET /productpage HTTP/1.1\" 200 - via_upstream - \"-\" 0 \\d+ \\d+ \\S+ \"-\" "
          + "\"curl/8\" \"\\S+\" \"istio.example\" \"127.0.0.1:" + up.port() + "\" c 127.0.0.1:\\d+ 127.0.0.1:" + port
          + " 127.0.0.1:\\d+ - -");
    }
  }

  @Test
  void unsupportedFiltersAndFormatsAreClearErrors() {
    assertThatThrownBy(() -> translate(fileLog(dir.resolve("x"), "log_format: {text_format: x}").stripTrailing()
        + "\n  filter: {traceable_filter: {}}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("access_log[0].filter.traceable_filter: not supported");
    assertThatThrownBy(() -> translate(fileLog(dir.resolve("x"), "log_format: {text_format: x}").stripTrailing()
        + "\n  filter: {response_flag_filter: {flags: [UF, XX]}}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("response_flag_filter.flags: unknown response flag 'XX'");
    assertThatThrownBy(() -> translate(fileLog(dir.resolve("x"), "log_format: {json_format: {a: [\"%DURATION%\"]}}")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("json_format.a: a format dictionary value must be");
    assertThatThrownBy(() -> translate(fileLog(dir.resolve("x"), "log_format: {json_format: {a: \"%NO_SUCH_OP%\"}}")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("unsupported access log operator %NO_SUCH_OP%");
  }

  private void translate(String accessLogs) {
    BootstrapTranslator.translate(BootstrapLoader.fromText(bootstrap(accessLogs, 1, 2), "test"), java.util.Optional.empty(),
        java.util.Optional.empty());
  }

  private static int deadPort() throws Exception {
    return io.wasmplane.dataplane.testing.Ports.freePort();
  }
}

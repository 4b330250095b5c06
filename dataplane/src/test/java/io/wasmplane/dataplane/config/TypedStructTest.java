package io.wasmplane.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.Dataplane;
import io.wasmplane.dataplane.testing.Bootstraps;
import io.wasmplane.dataplane.testing.Http;
import io.wasmplane.dataplane.testing.TestUpstream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Extension configs written as {@code TypedStruct} (udpa.type.v1 and xds.type.v3), as Istio's EnvoyFilter examples write
 * a Wasm filter: the data plane runs the message the struct describes, at any depth and in map fields, through real
 * sockets; a struct naming an unknown type or carrying a field its type lacks is refused naming the path.
 */
@Timeout(60)
class TypedStructTest {
  private TestUpstream upstream;
  private Dataplane dp;

  @AfterEach
  void stop() {
    if (dp != null) {
      dp.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private static String plugin() {
    Path p = Path.of(System.getProperty("wasmplane.plugins.dir", "../plugins/build"), "c/c_bench.wasm");
    if (!Files.isRegularFile(p)) {
      throw new IllegalStateException(p + " is missing: run plugins/build.sh (make plugins) before the tests");
    }
    return p.toAbsolutePath().toString();
  }

  /** The Wasm filter as an Istio EnvoyFilter writes it: a udpa TypedStruct whose value is the Wasm message in JSON. */
  private static String wasmAsTypedStruct(String valueExtra) {
    return """
        - name: envoy.filters.http.wasm
          typed_config:
            "@type": type.googleapis.com/udpa.type.v1.TypedStruct
            type_url: type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
            value:
              config:
                name: bench
                root_id: bench
                vm_config:
                  vm_id: bench
                  runtime: envoy.wasm.runtime.v8
                  code: {local: {filename: %s}}
              %s
        """.formatted(plugin(), valueExtra);
  }

  /** The HCM itself as an xds.type.v3 TypedStruct, holding the Wasm filter as another TypedStruct. */
  private static String bootstrap(String wasmFilter, int upstreamPort) {
    return """
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        static_resources:
          listeners:
          - name: ingress
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/xds.type.v3.TypedStruct
                  type_url: type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  value:
                    stat_prefix: ingress_http
                    route_config:
                      virtual_hosts:
                      - name: all
                        domains: ["*"]
                        routes:
                        - match: {prefix: "/aborted"}
                          route: {cluster: up}
                          typed_per_filter_config:
                            envoy.filters.http.fault:
                              "@type": type.googleapis.com/udpa.type.v1.TypedStruct
                              type_url: type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                              value:
                                abort: {http_status: 418, percentage: {numerator: 100}}
                        - match: {prefix: "/"}
                          route: {cluster: up}
                    http_filters:
        %s
                    - name: envoy.filters.http.fault
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                    - name: envoy.filters.http.router
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
          clusters:
        %s
        """.formatted(Bootstraps.indent(wasmFilter, 12), Bootstraps.staticCluster("up", upstreamPort, null));
  }

  @Test
  void runsTheMessagesTypedStructsDescribeAtEveryDepth() throws Exception {
    upstream = new TestUpstream("up");
    dp = Bootstraps.start(bootstrap(wasmAsTypedStruct(""), upstream.port()));
    String base = "http://127.0.0.1:" + dp.port("ingress");

    HttpResponse<String> r = Http.get(Http.h1(), base + "/hello");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("x-bench-served")).as("the plugin's response header").isPresent();
    assertThat(r.body()).as("the request the upstream saw").contains("x-bench-sum: ");

    // The per-route fault config was a TypedStruct in a map field: it aborts this route only.
    HttpResponse<String> aborted = Http.get(Http.h1(), base + "/aborted");
    assertThat(aborted.statusCode()).isEqualTo(418);
    assertThat(upstream.requests.get()).isEqualTo(1);
  }

  @Test
  void aStructWithAFieldItsTypeLacksIsRefusedNamingThePath() {
    assertThatThrownBy(() -> BootstrapTranslator.translate(
        BootstrapLoader.fromText(bootstrap(wasmAsTypedStruct("no_such_field: 1"), 1), "test"), Optional.empty(), Optional.empty()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("typed_config.value: not a valid envoy.extensions.filters.http.wasm.v3.Wasm")
        .hasMessageContaining("no_such_field");
  }

  @Test
  void aStructNamingAnUnknownTypeIsRefusedNamingIt() {
    String yaml = bootstrap(wasmAsTypedStruct(""), 1)
        .replace("type_url: type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
            "type_url: type.googleapis.com/example.NoSuchFilter");
    assertThatThrownBy(() -> BootstrapTranslator.translate(BootstrapLoader.fromText(yaml, "test"), Optional.empty(), Optional.empty()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http_filters[0].typed_config.type_url")
        .hasMessageContaining("example.NoSuchFilter");
  }
}

package io.wasmplane.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.dataplane.config.BootstrapLoader;
import io.wasmplane.dataplane.config.BootstrapTranslator;
import io.wasmplane.dataplane.config.ConfigException;
import io.wasmplane.dataplane.config.DataplaneConfig;
import io.wasmplane.dataplane.config.Http2Options;
import io.wasmplane.dataplane.testing.Bootstraps;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * http2_protocol_options (HCM downstream; cluster http2_protocol_options and typed_extension_protocol_options upstream)
 * are translated once with Envoy's defaults and validated as Envoy's proto rules do; out-of-range values and options
 * Netty cannot honour are config errors naming the resource and the field.
 */
class Http2OptionsConfigTest {
  private static DataplaneConfig translate(String hcmExtra, String clusterExtra) {
    String routes = """
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: "/"}
            route: {cluster: c}
        """;
    return BootstrapTranslator.translate(BootstrapLoader.fromText(Bootstraps.bootstrap(routes, hcmExtra,
        Bootstraps.staticCluster("c", 8080, clusterExtra), Path.of("/dev/null"), null), "test"), Optional.empty(), Optional.empty());
  }

  private static Http2Options downstream(String options) {
    return translate("http2_protocol_options: " + options, null).listeners().get(0).hcm().http2();
  }

  private static Http2Options upstream(String clusterExtra) {
    return translate(null, clusterExtra).clusters().stream().filter(c -> c.name().equals("c")).findFirst().orElseThrow().http2();
  }

  @Test
  void unsetFieldsTakeEnvoysDefaults() {
    Http2Options o = downstream("{}");
    assertThat(o).isEqualTo(Http2Options.DEFAULT);
    assertThat(o.initialStreamWindowSize()).isEqualTo(268435456);
    assertThat(o.initialConnectionWindowSize()).isEqualTo(268435456);
    assertThat(o.maxConcurrentStreams()).isEqualTo(2147483647L);
    assertThat(o.hpackTableSize()).isEqualTo(4096);
    assertThat(o.maxOutboundFrames()).isEqualTo(10000);
    assertThat(o.maxInboundPriorityFramesPerStream()).isEqualTo(100);
    assertThat(o.maxInboundWindowUpdateFramesPerDataFrameSent()).isEqualTo(10);
    assertThat(translate(null, null).listeners().get(0).hcm().http2()).isEqualTo(Http2Options.DEFAULT);
    assertThat(upstream("http2_protocol_options: {}")).isEqualTo(Http2Options.DEFAULT);
  }

  @Test
  void configuredValuesAndKeepaliveAreKept() {
    Http2Options o = downstream("""
        {hpack_table_size: 0, max_concurrent_streams: 100, initial_stream_window_size: 65535,
         initial_connection_window_size: 2147483647, allow_connect: true, max_outbound_control_frames: 50,
         max_consecutive_inbound_frames_with_empty_payload: 3, max_outbound_frames: 4294967295,
         max_inbound_priority_frames_per_stream: 0, max_inbound_window_update_frames_per_data_frame_sent: 2,
         connection_keepalive: {interval: 30s, timeout: 5s, interval_jitter: {value: 0}, connection_idle_interval: 60s}}""");
    assertThat(o.hpackTableSize()).isZero();
    assertThat(o.maxConcurrentStreams()).isEqualTo(100);
    assertThat(o.initialStreamWindowSize()).isEqualTo(65535);
    assertThat(o.initialConnectionWindowSize()).isEqualTo(Integer.MAX_VALUE);
    assertThat(o.allowConnect()).isTrue();
    assertThat(o.maxOutboundControlFrames()).isEqualTo(50);
    assertThat(o.maxConsecutiveInboundFramesWithEmptyPayload()).isEqualTo(3);
    assertThat(o.maxOutboundFrames()).isEqualTo(4294967295L);
    assertThat(o.maxInboundPriorityFramesPerStream()).isZero(); // no lower bound in Envoy's proto: any PRIORITY is a flood
    assertThat(o.maxInboundWindowUpdateFramesPerDataFrameSent()).isEqualTo(2);
    assertThat(o.keepalive()).contains(new Http2Options.Keepalive(Duration.ofSeconds(30), Duration.ofSeconds(5), 0, Duration.ofSeconds(60)));
    assertThat(downstream("{connection_keepalive: {timeout: 1s}}").keepalive().orElseThrow().jitterPercent()).isEqualTo(15);
  }

  @Test
  void istiosSidecarValuesAreAccepted() {
    // What istiod puts on inbound HCMs and HTTP/2 clusters (its own limits below Envoy's defaults).
    Http2Options o = downstream("{max_concurrent_streams: 1073741824, initial_stream_window_size: 65536,"
        + " initial_connection_window_size: 1048576}");
    assertThat(o.maxConcurrentStreams()).isEqualTo(1073741824L);
    assertThat(o.initialStreamWindowSize()).isEqualTo(65536);
    assertThat(o.initialConnectionWindowSize()).isEqualTo(1048576);
  }

  @Test
  void upstreamOptionsComeFromEitherClusterField() {
    assertThat(upstream("http2_protocol_options: {max_concurrent_streams: 7}").maxConcurrentStreams()).isEqualTo(7);
    Http2Options typed = upstream("""
        typed_extension_protocol_options:
          envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
            "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
            explicit_http_config: {http2_protocol_options: {initial_stream_window_size: 1048576, connection_keepalive: {interval: 1s, timeout: 1s}}}
        """);
    assertThat(typed.initialStreamWindowSize()).isEqualTo(1048576);
    assertThat(typed.keepalive()).isPresent();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{initial_stream_window_size: 65534}|http2_protocol_options.initial_stream_window_size: must be in 65535..2147483647, got 65534",
      "{initial_stream_window_size: 2147483648}|http2_protocol_options.initial_stream_window_size: must be in 65535..2147483647, got 2147483648",
      "{initial_connection_window_size: 1000}|http2_protocol_options.initial_connection_window_size: must be in 65535..2147483647, got 1000",
      "{max_concurrent_streams: 0}|http2_protocol_options.max_concurrent_streams: must be in 1..2147483647, got 0",
      "{max_concurrent_streams: 4294967295}|http2_protocol_options.max_concurrent_streams: must be in 1..2147483647, got 4294967295",
      "{max_outbound_control_frames: 0}|http2_protocol_options.max_outbound_control_frames: must be in 1..2147483647, got 0",
      "{max_consecutive_inbound_frames_with_empty_payload: 0}|http2_protocol_options.max_consecutive_inbound_frames_with_empty_payload (0 is not supported",
      "{connection_keepalive: {interval: 1s}}|http2_protocol_options.connection_keepalive.timeout: required",
      "{connection_keepalive: {timeout: 0.0001s}}|http2_protocol_options.connection_keepalive.timeout: must be at least 1ms",
      "{connection_keepalive: {timeout: 1s, interval_jitter: {value: 150}}}|http2_protocol_options.connection_keepalive.interval_jitter: must be a percentage in 0..100",
      "{max_outbound_frames: 0}|http2_protocol_options.max_outbound_frames: must be in 1..4294967295, got 0",
      "{max_inbound_window_update_frames_per_data_frame_sent: 0}|http2_protocol_options.max_inbound_window_update_frames_per_data_frame_sent: must be in 1..4294967295, got 0",
      "{allow_metadata: true}|http2_protocol_options: unsupported field(s) [allow_metadata]",
      "{custom_settings_parameters: [{identifier: 9, value: 1}]}|http2_protocol_options: unsupported field(s) [custom_settings_parameters]",
      "{override_stream_error_on_invalid_http_message: true}|http2_protocol_options: unsupported field(s) [override_stream_error_on_invalid_http_message]",
  })
  void outOfRangeOrUnsupportedDownstreamOptionsNameTheField(String options, String message) {
    assertThatThrownBy(() -> downstream(options)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("listener ingress").hasMessageContaining(message);
  }

  @Test
  void upstreamErrorsNameTheClusterAndThePath() {
    assertThatThrownBy(() -> upstream("http2_protocol_options: {initial_connection_window_size: 1}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster c.http2_protocol_options.initial_connection_window_size: must be in 65535..2147483647, got 1");
    assertThatThrownBy(() -> upstream("""
        typed_extension_protocol_options:
          envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
            "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
            explicit_http_config: {http2_protocol_options: {max_concurrent_streams: 0}}
        """)).isInstanceOf(ConfigException.class).hasMessageContaining("cluster c.typed_extension_protocol_options["
        + "envoy.extensions.upstreams.http.v3.HttpProtocolOptions].explicit_http_config.http2_protocol_options.max_concurrent_streams:"
        + " must be in 1..2147483647, got 0");
  }
}

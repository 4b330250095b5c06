package io.wasmplane.dataplane.config;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.type.v3.Int64Range;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Validates a cluster's {@code health_checks}, {@code outlier_detection} and panic threshold into a {@link HealthConfig}. */
final class HealthConfigTranslator {
  // google.protobuf.Duration's own range (10 000 years); beyond it milliseconds would overflow.
  private static final Duration MAX_DURATION = Duration.ofSeconds(315_576_000_000L);
  private HealthConfigTranslator() {}

  static HealthConfig health(Cluster c, ClusterConfig.UpstreamProtocol protocol, String where) {
    if (!c.getHealthChecksList().isEmpty() || c.hasOutlierDetection() || c.hasCommonLbConfig()) {
      List<HealthCheckConfig> checks = new ArrayList<>();
      if (c.getHealthChecksCount() > 1) {
        throw new ConfigException(where + ".health_checks: only one health check per cluster is supported, got " + c.getHealthChecksCount());
      }
      for (int i = 0; i < c.getHealthChecksCount(); i++) {
        HealthCheckConfig check = healthCheck(c.getHealthChecks(i), c.getName(), where + ".health_checks[" + i + "]");
        if (check.grpc().isPresent() && protocol != ClusterConfig.UpstreamProtocol.HTTP2) {
          // Envoy: the gRPC health checker needs a cluster that speaks HTTP/2 to its hosts.
          throw new ConfigException(where + ".health_checks[" + i + "].grpc_health_check: the cluster does not use HTTP/2 "
              + "(set http2_protocol_options or typed_extension_protocol_options explicit_http_config.http2_protocol_options)");
        }
        checks.add(check);
      }
      Optional<OutlierConfig> outlier = c.hasOutlierDetection()
          ? Optional.of(outlier(c.getOutlierDetection(), where + ".outlier_detection")) : Optional.empty();
      int panic = 50;
      boolean ignoreNewHosts = false;
      if (c.hasCommonLbConfig()) {
        String w = where + ".common_lb_config";
        FieldGuard.onlySupported(c.getCommonLbConfig(), w, Set.of("healthy_panic_threshold", "ignore_new_hosts_until_first_hc",
            "locality_weighted_lb_config")); // the latter: LocalityLbTranslator
        ignoreNewHosts = c.getCommonLbConfig().getIgnoreNewHostsUntilFirstHc();
        if (c.getCommonLbConfig().hasHealthyPanicThreshold()) {
          double v = c.getCommonLbConfig().getHealthyPanicThreshold().getValue();
          if (v < 0 || v > 100) {
            throw new ConfigException(w + ".healthy_panic_threshold: " + v + " is not a percentage (0..100)");
          }
          panic = (int) Math.round(v);
        }
      }
      return new HealthConfig(List.copyOf(checks), outlier, panic, ignoreNewHosts);
    }
    return HealthConfig.DEFAULT;
  }

  static HealthCheckConfig healthCheck(HealthCheck h, String clusterName, String where) {
    FieldGuard.onlySupported(h, where, Set.of("timeout", "interval", "initial_jitter", "interval_jitter",
        "interval_jitter_percent", "unhealthy_threshold", "healthy_threshold", "reuse_connection", "no_traffic_interval",
        "no_traffic_healthy_interval", "unhealthy_interval", "unhealthy_edge_interval", "healthy_edge_interval",
        "http_health_check", "tcp_health_check", "grpc_health_check"));
    Duration timeout = positive(h.hasTimeout(), h.getTimeout(), where + ".timeout", true, null);
    Duration interval = positive(h.hasInterval(), h.getInterval(), where + ".interval", true, null);
    if (!h.hasUnhealthyThreshold() || !h.hasHealthyThreshold()) {
      throw new ConfigException(where + ": unhealthy_threshold and healthy_threshold are required");
    }
    int unhealthy = Math.max(1, h.getUnhealthyThreshold().getValue());
    int healthy = Math.max(1, h.getHealthyThreshold().getValue());
    Duration unhealthyInterval = positive(h.hasUnhealthyInterval(), h.getUnhealthyInterval(), where + ".unhealthy_interval", false, interval);
    Optional<HealthCheckConfig.HttpCheck> http = Optional.empty();
    Optional<HealthCheckConfig.TcpCheck> tcp = Optional.empty();
    Optional<HealthCheckConfig.GrpcCheck> grpc = Optional.empty();
    switch (h.getHealthCheckerCase()) {
      case HTTP_HEALTH_CHECK -> http = Optional.of(httpCheck(h.getHttpHealthCheck(), clusterName, where + ".http_health_check"));
      case TCP_HEALTH_CHECK -> tcp = Optional.of(tcpCheck(h.getTcpHealthCheck(), where + ".tcp_health_check"));
      case GRPC_HEALTH_CHECK -> grpc = Optional.of(grpcCheck(h.getGrpcHealthCheck(), clusterName, where + ".grpc_health_check"));
      default -> throw new ConfigException(where + ": one of http_health_check, tcp_health_check or grpc_health_check is "
          + "required (got " + h.getHealthCheckerCase() + "; redis and custom checks are not supported)");
    }
    Duration noTraffic = positive(h.hasNoTrafficInterval(), h.getNoTrafficInterval(), where + ".no_traffic_interval", false, Duration.ofSeconds(60));
    return new HealthCheckConfig(timeout, interval,
        nonNegative(h.hasInitialJitter(), h.getInitialJitter()),
        nonNegative(h.hasIntervalJitter(), h.getIntervalJitter()),
        h.getIntervalJitterPercent(), unhealthy, healthy,
        !h.hasReuseConnection() || h.getReuseConnection().getValue(),
        noTraffic,
        positive(h.hasNoTrafficHealthyInterval(), h.getNoTrafficHealthyInterval(), where + ".no_traffic_healthy_interval", false, noTraffic),
        unhealthyInterval,
        positive(h.hasUnhealthyEdgeInterval(), h.getUnhealthyEdgeInterval(), where + ".unhealthy_edge_interval", false, unhealthyInterval),
        positive(h.hasHealthyEdgeInterval(), h.getHealthyEdgeInterval(), where + ".healthy_edge_interval", false, interval),
        http, tcp, grpc);
  }

  private static HealthCheckConfig.GrpcCheck grpcCheck(HealthCheck.GrpcHealthCheck g, String clusterName, String where) {
    FieldGuard.onlySupported(g, where, Set.of("service_name", "authority", "initial_metadata"));
    return new HealthCheckConfig.GrpcCheck(g.getServiceName(), g.getAuthority().isEmpty() ? clusterName : g.getAuthority(),
        headers(g.getInitialMetadataList(), where + ".initial_metadata"));
  }

  private static HealthCheckConfig.HttpCheck httpCheck(HealthCheck.HttpHealthCheck p, String clusterName, String where) {
    FieldGuard.onlySupported(p, where, Set.of("host", "path", "expected_statuses", "retriable_statuses",
        "request_headers_to_add", "codec_client_type"));
    if (p.getPath().isEmpty()) {
      throw new ConfigException(where + ".path: required");
    }
    boolean http2 = switch (p.getCodecClientType()) {
      case HTTP1 -> false;
      case HTTP2 -> true;
      default -> throw new ConfigException(where + ".codec_client_type: " + p.getCodecClientType() + " is not supported (HTTP1, HTTP2)");
    };
    List<HealthCheckConfig.StatusRange> expected = ranges(p.getExpectedStatusesList(), where + ".expected_statuses");
    Map<String, String> headers = headers(p.getRequestHeadersToAddList(), where + ".request_headers_to_add");
    return new HealthCheckConfig.HttpCheck(p.getHost().isEmpty() ? clusterName : p.getHost(), p.getPath(),
        expected.isEmpty() ? List.of(new HealthCheckConfig.StatusRange(200, 201)) : expected,
        ranges(p.getRetriableStatusesList(), where + ".retriable_statuses"), headers, http2);
  }

  /** Headers a check adds to its request (lower-case names). */
  private static Map<String, String> headers(List<HeaderValueOption> options, String where) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 0; i < options.size(); i++) {
      HeaderValueOption o = options.get(i);
      String w = where + "[" + i + "]";
      FieldGuard.onlySupported(o, w, Set.of("header"));
      FieldGuard.onlySupported(o.getHeader(), w + ".header", Set.of("key", "value"));
      if (o.getHeader().getKey().isEmpty()) {
        throw new ConfigException(w + ".header.key: required");
      }
      headers.put(o.getHeader().getKey().toLowerCase(java.util.Locale.ROOT), o.getHeader().getValue());
    }
    return Map.copyOf(headers);
  }

  private static List<HealthCheckConfig.StatusRange> ranges(List<Int64Range> list, String where) {
    List<HealthCheckConfig.StatusRange> out = new ArrayList<>();
    for (Int64Range r : list) {
      if (r.getStart() < 100 || r.getEnd() > 600 || r.getStart() >= r.getEnd()) {
        throw new ConfigException(where + ": range [" + r.getStart() + ", " + r.getEnd()
            + ") must lie within [100, 600) with start < end");
      }
      out.add(new HealthCheckConfig.StatusRange(r.getStart(), r.getEnd()));
    }
    return List.copyOf(out);
  }

  private static HealthCheckConfig.TcpCheck tcpCheck(HealthCheck.TcpHealthCheck t, String where) {
    FieldGuard.onlySupported(t, where, Set.of("send", "receive"));
    String send = t.hasSend() ? payloadHex(t.getSend(), where + ".send") : "";
    List<String> receive = new ArrayList<>();
    for (int i = 0; i < t.getReceiveCount(); i++) {
      receive.add(payloadHex(t.getReceive(i), where + ".receive[" + i + "]"));
    }
    return new HealthCheckConfig.TcpCheck(send, List.copyOf(receive));
  }

  /** A payload as lower-case hex: {@code text} is hex already (Envoy's format), {@code binary} is raw bytes. */
  private static String payloadHex(HealthCheck.Payload p, String where) {
    return switch (p.getPayloadCase()) {
      case TEXT -> {
        try {
          HexFormat.of().parseHex(p.getText());
        } catch (IllegalArgumentException e) {
          throw new ConfigException(where + ".text: '" + p.getText() + "' is not hex: " + e.getMessage());
        }
        yield p.getText().toLowerCase(java.util.Locale.ROOT);
      }
      case BINARY -> HexFormat.of().formatHex(p.getBinary().toByteArray());
      default -> throw new ConfigException(where + ": text or binary is required");
    };
  }

  static OutlierConfig outlier(OutlierDetection o, String where) {
    FieldGuard.onlySupported(o, where, Set.of("consecutive_5xx", "interval", "base_ejection_time", "max_ejection_percent",
        "enforcing_consecutive_5xx", "consecutive_gateway_failure", "enforcing_consecutive_gateway_failure",
        "split_external_local_origin_errors", "consecutive_local_origin_failure", "enforcing_consecutive_local_origin_failure",
        "max_ejection_time", "max_ejection_time_jitter", "always_eject_one_host", "successful_active_health_check_uneject_host",
        "enforcing_success_rate", "enforcing_local_origin_success_rate", "enforcing_failure_percentage",
        "enforcing_failure_percentage_local_origin", "success_rate_minimum_hosts", "success_rate_request_volume",
        "success_rate_stdev_factor", "failure_percentage_threshold", "failure_percentage_minimum_hosts",
        "failure_percentage_request_volume"));
    Duration interval = positive(o.hasInterval(), o.getInterval(), where + ".interval", false, Duration.ofSeconds(10));
    Duration base = positive(o.hasBaseEjectionTime(), o.getBaseEjectionTime(), where + ".base_ejection_time", false, Duration.ofSeconds(30));
    Duration max = o.hasMaxEjectionTime() ? positive(true, o.getMaxEjectionTime(), where + ".max_ejection_time", true, null)
        : (base.compareTo(Duration.ofSeconds(300)) > 0 ? base : Duration.ofSeconds(300));
    if (max.compareTo(base) < 0) {
      throw new ConfigException(where + ".max_ejection_time: " + max + " cannot be smaller than base_ejection_time " + base);
    }
    return new OutlierConfig(interval, base, max, nonNegative(o.hasMaxEjectionTimeJitter(), o.getMaxEjectionTimeJitter()),
        Math.min(100, wrapped(o.hasMaxEjectionPercent(), o.getMaxEjectionPercent(), 10)),
        o.hasAlwaysEjectOneHost() && o.getAlwaysEjectOneHost().getValue(),
        wrapped(o.hasConsecutive5Xx(), o.getConsecutive5Xx(), 5),
        percent(o.hasEnforcingConsecutive5Xx(), o.getEnforcingConsecutive5Xx(), 100, where + ".enforcing_consecutive_5xx"),
        wrapped(o.hasConsecutiveGatewayFailure(), o.getConsecutiveGatewayFailure(), 5),
        percent(o.hasEnforcingConsecutiveGatewayFailure(), o.getEnforcingConsecutiveGatewayFailure(), 0, where + ".enforcing_consecutive_gateway_failure"),
        o.getSplitExternalLocalOriginErrors(),
        wrapped(o.hasConsecutiveLocalOriginFailure(), o.getConsecutiveLocalOriginFailure(), 5),
        percent(o.hasEnforcingConsecutiveLocalOriginFailure(), o.getEnforcingConsecutiveLocalOriginFailure(), 100,
            where + ".enforcing_consecutive_local_origin_failure"),
        !o.hasSuccessfulActiveHealthCheckUnejectHost() || o.getSuccessfulActiveHealthCheckUnejectHost().getValue(),
        percent(o.hasEnforcingSuccessRate(), o.getEnforcingSuccessRate(), 100, where + ".enforcing_success_rate"),
        percent(o.hasEnforcingLocalOriginSuccessRate(), o.getEnforcingLocalOriginSuccessRate(), 100,
            where + ".enforcing_local_origin_success_rate"),
        wrapped(o.hasSuccessRateMinimumHosts(), o.getSuccessRateMinimumHosts(), 5),
        wrapped(o.hasSuccessRateRequestVolume(), o.getSuccessRateRequestVolume(), 100),
        wrapped(o.hasSuccessRateStdevFactor(), o.getSuccessRateStdevFactor(), 1900),
        percent(o.hasFailurePercentageThreshold(), o.getFailurePercentageThreshold(), 85, where + ".failure_percentage_threshold"),
        percent(o.hasEnforcingFailurePercentage(), o.getEnforcingFailurePercentage(), 0, where + ".enforcing_failure_percentage"),
        percent(o.hasEnforcingFailurePercentageLocalOrigin(), o.getEnforcingFailurePercentageLocalOrigin(), 0,
            where + ".enforcing_failure_percentage_local_origin"),
        wrapped(o.hasFailurePercentageMinimumHosts(), o.getFailurePercentageMinimumHosts(), 5),
        wrapped(o.hasFailurePercentageRequestVolume(), o.getFailurePercentageRequestVolume(), 50));
  }

  private static int wrapped(boolean has, UInt32Value v, int dflt) {
    return has ? v.getValue() : dflt;
  }

  private static int percent(boolean has, UInt32Value v, int dflt, String where) {
    if (has && v.getValue() > 100) {
      throw new ConfigException(where + ": " + v.getValue() + " is not a percentage (0..100)");
    }
    return has ? v.getValue() : dflt;
  }

  private static Duration positive(boolean has, com.google.protobuf.Duration d, String where, boolean required, Duration dflt) {
    if (!has) {
      if (required) {
        throw new ConfigException(where + ": required");
      }
      return dflt;
    }
    Duration v = BootstrapTranslator.duration(d);
    if (v.isNegative() || v.isZero()) {
      throw new ConfigException(where + ": must be greater than 0, got " + v);
    }
    if (v.compareTo(MAX_DURATION) > 0) {
      throw new ConfigException(where + ": " + v + " is out of range (at most " + MAX_DURATION + ")");
    }
    return v;
  }

  private static Duration nonNegative(boolean has, com.google.protobuf.Duration d) {
    Duration v = has ? BootstrapTranslator.duration(d) : Duration.ZERO;
    return v.isNegative() ? Duration.ZERO : v.compareTo(MAX_DURATION) > 0 ? MAX_DURATION : v;
  }
}

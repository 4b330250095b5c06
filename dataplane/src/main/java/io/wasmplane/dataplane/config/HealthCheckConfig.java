package io.wasmplane.dataplane.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One entry of {@code Cluster.health_checks}: when to check, how many results flip a host, and what to send (HTTP or
 * TCP or gRPC). Intervals already carry Envoy's defaults (unhealthy_interval = interval, no_traffic_interval = 60 s, ...).
 */
public record HealthCheckConfig(
    Duration timeout,
    Duration interval,
    Duration initialJitter,
    Duration intervalJitter,
    int intervalJitterPercent,
    int unhealthyThreshold,
    int healthyThreshold,
    boolean reuseConnection,
    Duration noTrafficInterval,
    Duration noTrafficHealthyInterval,
    Duration unhealthyInterval,
    Duration unhealthyEdgeInterval,
    Duration healthyEdgeInterval,
    Optional<HttpCheck> http,
    Optional<TcpCheck> tcp,
    Optional<GrpcCheck> grpc) {

  /**
   * {@code grpc_health_check}: grpc.health.v1.Health/Check for {@code serviceName} ("" = the whole server) over the
   * cluster's HTTP/2; {@code authority} is the :authority (default: the cluster name).
   */
  public record GrpcCheck(String serviceName, String authority, Map<String, String> initialMetadata) {}

  /** {@code http_health_check}: a request whose answer must be one of {@code expectedStatuses}. */
  public record HttpCheck(String host, String path, List<StatusRange> expectedStatuses, List<StatusRange> retriableStatuses,
      Map<String, String> headersToAdd, boolean http2) {
    public boolean expected(int status) {
      return StatusRange.anyContains(expectedStatuses, status);
    }

    public boolean retriable(int status) {
      return StatusRange.anyContains(retriableStatuses, status);
    }
  }

  /** {@code tcp_health_check}: bytes to send (hex) and blocks to find in order in the answer; both empty = connect only. */
  public record TcpCheck(String sendHex, List<String> receiveHex) {
    public boolean connectOnly() {
      return sendHex.isEmpty() && receiveHex.isEmpty();
    }
  }

  /** [start, end) as Envoy's Int64Range. */
  public record StatusRange(long start, long end) {
    static boolean anyContains(List<StatusRange> ranges, int status) {
      for (StatusRange r : ranges) {
        if (status >= r.start && status < r.end) {
          return true;
        }
      }
      return false;
    }
  }
}

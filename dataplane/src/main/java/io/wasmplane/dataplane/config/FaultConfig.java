package io.wasmplane.dataplane.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A translated {@code envoy.extensions.filters.http.fault.v3.HTTPFault}: which requests the fault filter picks
 * (upstream cluster, headers, downstream nodes) and what it does to them (delay, abort), with its active-fault cap.
 *
 * @param maxActiveFaults no cap when {@link #UNLIMITED}
 * @param downstreamClusterStats whether faults are also counted per x-envoy-downstream-service-cluster
 */
public record FaultConfig(Optional<Delay> delay, Optional<Abort> abort, String upstreamCluster, List<HeaderMatcherSpec> headers,
    Set<String> downstreamNodes, long maxActiveFaults, boolean downstreamClusterStats) implements RouteFilterConfig {
  public static final long UNLIMITED = Long.MAX_VALUE;

  /** Envoy's fault filter takes the most specific config whole: nothing of a less specific level shows through. */
  @Override
  public RouteFilterConfig under(RouteFilterConfig lessSpecific) {
    return this;
  }

  public FaultConfig {
    headers = List.copyOf(headers);
    downstreamNodes = Set.copyOf(downstreamNodes);
  }

  /** Envoy's FractionalPercent as a numerator over a denominator (100, 10 000 or 1 000 000). */
  public record Percent(long numerator, long denominator) {
    /** The numerator a {@code ...-percentage} request header asks for, never above the configured one (as Envoy). */
    public Percent boundedBy(String headerValue) {
      if (headerValue == null) {
        return this;
      }
      try {
        long asked = Long.parseLong(headerValue.trim());
        return asked < 0 ? this : new Percent(Math.min(asked, numerator), denominator);
      } catch (NumberFormatException e) {
        return this;
      }
    }

    /** One draw: true for numerator out of denominator requests. */
    public boolean sample(java.util.random.RandomGenerator random) {
      return numerator > 0 && (numerator >= denominator || random.nextLong(denominator) < numerator);
    }
  }

  /** {@code delay}: a fixed duration, or (header_delay) the one the request's x-envoy-fault-delay-request header asks for. */
  public record Delay(Optional<Duration> fixed, Percent percent) {
    public boolean fromHeader() {
      return fixed.isEmpty();
    }
  }

  /**
   * {@code abort}: an HTTP status, a gRPC status, or (header_abort) what the request's x-envoy-fault-abort-request /
   * x-envoy-fault-abort-grpc-request headers ask for.
   */
  public record Abort(Optional<Integer> httpStatus, Optional<Integer> grpcStatus, Percent percent) {
    public boolean fromHeader() {
      return httpStatus.isEmpty() && grpcStatus.isEmpty();
    }
  }
}

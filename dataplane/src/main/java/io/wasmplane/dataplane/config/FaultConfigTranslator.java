package io.wasmplane.dataplane.config;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Translates an HTTPFault (filter level or per route) once into a {@link FaultConfig}. */
public final class FaultConfigTranslator {
  public static final String TYPE = HTTPFault.getDescriptor().getFullName();

  /**
   * The *_runtime keys name runtime overrides; with no runtime layer here the configured values always apply, which is
   * what Envoy does when the keys are absent from its runtime.
   */
  private static final Set<String> SUPPORTED = Set.of("delay", "abort", "upstream_cluster", "headers", "downstream_nodes",
      "max_active_faults", "delay_percent_runtime", "abort_percent_runtime", "delay_duration_runtime",
      "abort_http_status_runtime", "max_active_faults_runtime", "response_rate_limit_percent_runtime",
      "abort_grpc_status_runtime", "disable_downstream_cluster_stats");

  private FaultConfigTranslator() {}

  public static FaultConfig translate(Any any, String where) {
    return translate(BootstrapTranslator.unpack(any, HTTPFault.class, where), where);
  }

  public static FaultConfig translate(HTTPFault f, String where) {
    if (f.hasResponseRateLimit()) {
      throw new ConfigException(where + ".response_rate_limit: response rate limiting is not supported by this data plane's "
          + "envoy.filters.http.fault (delay and abort are)");
    }
    FieldGuard.onlySupported(f, where, SUPPORTED);
    List<HeaderMatcherSpec> headers = new ArrayList<>();
    for (int i = 0; i < f.getHeadersCount(); i++) {
      headers.add(BootstrapTranslator.headerMatcher(f.getHeaders(i), where + ".headers[" + i + "]"));
    }
    return new FaultConfig(f.hasDelay() ? Optional.of(delay(f.getDelay(), where + ".delay")) : Optional.empty(),
        f.hasAbort() ? Optional.of(abort(f.getAbort(), where + ".abort")) : Optional.empty(),
        f.getUpstreamCluster(), headers, new LinkedHashSet<>(f.getDownstreamNodesList()),
        f.hasMaxActiveFaults() ? Integer.toUnsignedLong(f.getMaxActiveFaults().getValue()) : FaultConfig.UNLIMITED,
        !f.getDisableDownstreamClusterStats());
  }

  private static FaultConfig.Delay delay(FaultDelay d, String where) {
    FieldGuard.onlySupported(d, where, Set.of("fixed_delay", "header_delay", "percentage"));
    FaultConfig.Percent percent = percent(d.getPercentage(), where + ".percentage");
    return switch (d.getFaultDelaySecifierCase()) {
      case FIXED_DELAY -> {
        Duration fixed = Duration.ofSeconds(d.getFixedDelay().getSeconds(), d.getFixedDelay().getNanos());
        if (fixed.isNegative() || fixed.isZero()) {
          throw new ConfigException(where + ".fixed_delay: must be greater than 0 (got " + fixed + ")");
        }
        yield new FaultConfig.Delay(Optional.of(fixed), percent);
      }
      case HEADER_DELAY -> new FaultConfig.Delay(Optional.empty(), percent);
      default -> throw new ConfigException(where + ": one of fixed_delay or header_delay is required");
    };
  }

  private static FaultConfig.Abort abort(FaultAbort a, String where) {
    FieldGuard.onlySupported(a, where, Set.of("http_status", "grpc_status", "header_abort", "percentage"));
    FaultConfig.Percent percent = percent(a.getPercentage(), where + ".percentage");
    return switch (a.getErrorTypeCase()) {
      case HTTP_STATUS -> {
        if (a.getHttpStatus() < 200 || a.getHttpStatus() >= 600) {
          throw new ConfigException(where + ".http_status: must be in [200, 600) (got " + a.getHttpStatus() + ")");
        }
        yield new FaultConfig.Abort(Optional.of(a.getHttpStatus()), Optional.empty(), percent);
      }
      case GRPC_STATUS -> {
        if (a.getGrpcStatus() < 0) { // uint32 above 2^31
          throw new ConfigException(where + ".grpc_status: out of range (" + Integer.toUnsignedString(a.getGrpcStatus()) + ")");
        }
        yield new FaultConfig.Abort(Optional.empty(), Optional.of(a.getGrpcStatus()), percent);
      }
      case HEADER_ABORT -> new FaultConfig.Abort(Optional.empty(), Optional.empty(), percent);
      default -> throw new ConfigException(where + ": one of http_status, grpc_status or header_abort is required");
    };
  }

  /** An unset percentage is 0% (the proto default), as in Envoy: such a fault never fires. */
  static FaultConfig.Percent percent(FractionalPercent p, String where) {
    long denominator = switch (p.getDenominator()) {
      case HUNDRED -> 100;
      case TEN_THOUSAND -> 10_000;
      case MILLION -> 1_000_000;
      default -> throw new ConfigException(where + ".denominator: unknown value " + p.getDenominatorValue());
    };
    return new FaultConfig.Percent(Integer.toUnsignedLong(p.getNumerator()), denominator);
  }
}

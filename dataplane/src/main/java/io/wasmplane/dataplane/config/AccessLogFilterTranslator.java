package io.wasmplane.dataplane.config;

import io.envoyproxy.envoy.config.accesslog.v3.ComparisonFilter;
import io.wasmplane.dataplane.accesslog.AccessLogFilter;
import io.wasmplane.dataplane.http.ResponseFlag;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** AccessLog.filter (config.accesslog.v3.AccessLogFilter) into an {@link AccessLogFilter}; unsupported kinds are errors. */
final class AccessLogFilterTranslator {
  private AccessLogFilterTranslator() {}

  static AccessLogFilter translate(io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter f, String where) {
    return switch (f.getFilterSpecifierCase()) {
      case STATUS_CODE_FILTER -> {
        ComparisonFilter c = f.getStatusCodeFilter().getComparison();
        yield new AccessLogFilter.StatusCode(op(c, where + ".status_code_filter.comparison"), value(c));
      }
      case DURATION_FILTER -> {
        ComparisonFilter c = f.getDurationFilter().getComparison();
        yield new AccessLogFilter.Duration(op(c, where + ".duration_filter.comparison"), value(c));
      }
      case NOT_HEALTH_CHECK_FILTER -> new AccessLogFilter.NotHealthCheck();
      case RUNTIME_FILTER -> {
        var r = f.getRuntimeFilter();
        var p = r.hasPercentSampled() ? FaultConfigTranslator.percent(r.getPercentSampled(), where + ".runtime_filter.percent_sampled")
            : new FaultConfig.Percent(0, 100); // Envoy's default for an unset runtime key: 0 %
        yield new AccessLogFilter.Sampled(p.numerator(), p.denominator(), r.getUseIndependentRandomness());
      }
      case AND_FILTER -> new AccessLogFilter.And(all(f.getAndFilter().getFiltersList(), where + ".and_filter"));
      case OR_FILTER -> new AccessLogFilter.Or(all(f.getOrFilter().getFiltersList(), where + ".or_filter"));
      case HEADER_FILTER -> new AccessLogFilter.Header(
          BootstrapTranslator.headerMatcher(f.getHeaderFilter().getHeader(), where + ".header_filter.header"));
      case RESPONSE_FLAG_FILTER -> new AccessLogFilter.Flags(flags(f.getResponseFlagFilter().getFlagsList(),
          where + ".response_flag_filter.flags"));
      case TRACEABLE_FILTER -> throw new ConfigException(where + ".traceable_filter: not supported (this data plane does no tracing)");
      case GRPC_STATUS_FILTER -> {
        var g = f.getGrpcStatusFilter();
        java.util.Set<Long> statuses = new java.util.HashSet<>();
        g.getStatusesList().forEach(st -> statuses.add((long) st.getNumber()));
        yield new AccessLogFilter.GrpcStatus(Set.copyOf(statuses), g.getExclude());
      }
      case METADATA_FILTER -> throw new ConfigException(where + ".metadata_filter: not supported (access logs do not read dynamic metadata)");
      case LOG_TYPE_FILTER -> throw new ConfigException(where + ".log_type_filter: not supported (every entry is a final "
          + "downstream log here)");
      case EXTENSION_FILTER -> throw new ConfigException(where + ".extension_filter: not supported ("
          + f.getExtensionFilter().getName() + ")");
      case FILTERSPECIFIER_NOT_SET -> throw new ConfigException(where + ": a filter must set one filter kind");
    };
  }

  private static List<AccessLogFilter> all(List<io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter> fs, String where) {
    if (fs.size() < 2) {
      throw new ConfigException(where + ".filters: needs at least 2 filters, got " + fs.size());
    }
    List<AccessLogFilter> out = new ArrayList<>();
    for (int i = 0; i < fs.size(); i++) {
      out.add(translate(fs.get(i), where + ".filters[" + i + "]"));
    }
    return List.copyOf(out);
  }

  private static AccessLogFilter.Op op(ComparisonFilter c, String where) {
    return switch (c.getOp()) {
      case EQ -> AccessLogFilter.Op.EQ;
      case GE -> AccessLogFilter.Op.GE;
      case LE -> AccessLogFilter.Op.LE;
      default -> throw new ConfigException(where + ".op: unknown value " + c.getOpValue());
    };
  }

  /** The default_value: no runtime overrides here, so the runtime_key has nothing to change. */
  private static long value(ComparisonFilter c) {
    return Integer.toUnsignedLong(c.getValue().getDefaultValue());
  }

  private static Set<ResponseFlag> flags(List<String> codes, String where) {
    EnumSet<ResponseFlag> out = EnumSet.noneOf(ResponseFlag.class);
    for (String code : codes) {
      ResponseFlag match = null;
      for (ResponseFlag f : ResponseFlag.values()) {
        if (f.code().equals(code)) {
          match = f;
        }
      }
      if (match == null) {
        throw new ConfigException(where + ": unknown response flag '" + code + "'");
      }
      out.add(match);
    }
    return Set.copyOf(out);
  }
}

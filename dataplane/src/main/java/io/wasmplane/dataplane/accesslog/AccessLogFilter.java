package io.wasmplane.dataplane.accesslog;

import io.wasmplane.dataplane.config.HeaderMatcherSpec;
import io.wasmplane.dataplane.config.RequestFacts;
import io.wasmplane.dataplane.http.ResponseFlag;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Envoy's AccessLog.filter, compiled: whether an entry is written. Records, so that configs holding them compare by
 * value (an unchanged listener is not rebuilt on an LDS update).
 */
public sealed interface AccessLogFilter {
  boolean test(AccessLogFormat.Entry e);

  /** No filter: every entry is logged. */
  AccessLogFilter ALL = new All();

  record All() implements AccessLogFilter {
    @Override
    public boolean test(AccessLogFormat.Entry e) {
      return true;
    }
  }

  enum Op { EQ, GE, LE }

  private static boolean compare(Op op, long actual, long value) {
    return switch (op) {
      case EQ -> actual == value;
      case GE -> actual >= value;
      case LE -> actual <= value;
    };
  }

  /** status_code_filter: the response code (0 when no response was sent) compared with a value. */
  record StatusCode(Op op, long value) implements AccessLogFilter {
    @Override
    public boolean test(AccessLogFormat.Entry e) {
      return compare(op, e.info().responseCode, value);
    }
  }

  /** duration_filter: the total duration in milliseconds compared with a value. */
  record Duration(Op op, long valueMillis) implements AccessLogFilter {
    @Override
    public boolean test(AccessLogFormat.Entry e) {
      return compare(op, e.info().durationMillis(), valueMillis);
    }
  }

  /**
   * not_health_check_filter. Envoy marks a request as a health check only through its health_check HTTP filter, which
   * this data plane does not have: no request is one, so every entry passes.
   */
  record NotHealthCheck() implements AccessLogFilter {
    @Override
    public boolean test(AccessLogFormat.Entry e) {
      return true;
    }
  }

  /**
   * runtime_filter without runtime overrides: percent_sampled of the entries. Unless use_independent_randomness, the
   * decision follows the x-request-id (the same request is sampled alike by every logger and proxy), as in Envoy.
   */
  record Sampled(long numerator, long denominator, boolean independent) implements AccessLogFilter {
    @Override
    public boolean test(AccessLogFormat.Entry e) {
      if (numerator >= denominator) {
        return true;
      }
      String id = independent || e.request() == null ? null : e.request().headers().get("x-request-id");
      long draw = id != null ? Math.floorMod((long) id.hashCode(), denominator)
          : ThreadLocalRandom.current().nextLong(denominator);
      return draw < numerator;
    }
  }

  record And(List<AccessLogFilter> filters) implements AccessLogFilter {
    @Override
    public boolean test(AccessLogFormat.Entry e) {
      for (AccessLogFilter f : filters) {
        if (!f.test(e)) {
          return false;
        }
      }
      return true;
    }
  }

  record Or(List<AccessLogFilter> filters) implements AccessLogFilter {
    @Override
    public boolean test(AccessLogFormat.Entry e) {
      for (AccessLogFilter f : filters) {
        if (f.test(e)) {
          return true;
        }
      }
      return false;
    }
  }

  /** header_filter: a route HeaderMatcher on the request headers (an entry without a request never matches). */
  record Header(HeaderMatcherSpec matcher) implements AccessLogFilter {
    @Override
    public boolean test(AccessLogFormat.Entry e) {
      return e.request() != null && matcher.matches(RequestFacts.of(e.request()));
    }
  }

  /** response_flag_filter: any of these flags set; with no flags listed, any flag at all. */
  record Flags(Set<ResponseFlag> flags) implements AccessLogFilter {
    @Override
    public boolean test(AccessLogFormat.Entry e) {
      if (flags.isEmpty()) {
        return !e.info().flags.isEmpty();
      }
      for (ResponseFlag f : flags) {
        if (e.info().flags.contains(f)) {
          return true;
        }
      }
      return false;
    }
  }

  /** grpc_status_filter: the gRPC status (as %GRPC_STATUS% finds it) is one of these; {@code exclude} inverts. */
  record GrpcStatus(Set<Long> statuses, boolean exclude) implements AccessLogFilter {
    @Override
    public boolean test(AccessLogFormat.Entry e) {
      long status = GrpcStatusOperator.status(e);
      return status >= 0 && statuses.contains(status) != exclude; // not gRPC, or no status: never logged by this filter
    }
  }
}

package io.wasmplane.dataplane.accesslog;

import io.wasmplane.dataplane.http.HttpStream;

/** A logger that sees only the streams its AccessLog.filter lets through (a Wasm logger: its plugin is not called). */
public record FilteredAccessLogger(AccessLogFilter filter, AccessLogger delegate) implements AccessLogger {
  @Override
  public void log(HttpStream stream) {
    if (filter.test(AccessLogFormat.Entry.of(stream))) {
      delegate.log(stream);
    }
  }

  /** The logger under any filter. */
  public static AccessLogger unwrap(AccessLogger l) {
    return l instanceof FilteredAccessLogger f ? f.delegate() : l;
  }
}

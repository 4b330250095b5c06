package io.wasmplane.dataplane.accesslog;

/** Renders one access log entry as a line: a format string ({@link AccessLogFormat}) or a JSON dictionary. */
public interface LogFormatter {
  String format(AccessLogFormat.Entry entry);
}

package io.wasmplane.dataplane.accesslog;

import io.wasmplane.dataplane.http.HttpStream;

/**
 * A file logger (envoy.access_loggers.file, stdout, stderr) of an HCM, a TCP proxy or a listener: filters and formats
 * on the event loop (cheap), writes on the file's writer thread.
 */
public final class FileAccessLogger implements AccessLogger {
  private final LogFormatter format;
  private final AccessLogFilter filter;
  private final AccessLogWriter writer;

  public FileAccessLogger(LogFormatter format, AccessLogFilter filter, AccessLogWriter writer) {
    this.format = format;
    this.filter = filter;
    this.writer = writer;
  }

  @Override
  public void log(HttpStream stream) {
    log(AccessLogFormat.Entry.of(stream));
  }

  public void log(AccessLogFormat.Entry entry) {
    if (filter.test(entry)) {
      writer.append(format.format(entry));
    }
  }
}

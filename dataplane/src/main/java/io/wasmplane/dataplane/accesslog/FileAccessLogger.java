package io.wasmplane.dataplane.accesslog;

import io.wasmplane.dataplane.http.HttpStream;

/** envoy.access_loggers.file: formats on the event loop (cheap), writes on the file's writer thread. */
public final class FileAccessLogger implements AccessLogger {
  private final AccessLogFormat format;
  private final AccessLogWriter writer;

  public FileAccessLogger(AccessLogFormat format, AccessLogWriter writer) {
    this.format = format;
    this.writer = writer;
  }

  @Override
  public void log(HttpStream stream) {
    writer.append(format.format(stream));
  }
}

package io.wasmplane.dataplane.accesslog;

import io.wasmplane.dataplane.http.HttpStream;

/** Called once per finished stream, on its event loop; must not block. */
public interface AccessLogger {
  void log(HttpStream stream);
}

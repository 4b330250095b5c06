package io.wasmplane.dataplane.config;

import io.wasmplane.dataplane.wasm.PluginSpec;

/**
 * One access logger: envoy.access_loggers.file (a path and a format string, Envoy's default when not given), or
 * envoy.access_loggers.wasm ({@code wasm} set; path and format null).
 */
public record AccessLogConfig(String path, String format, PluginSpec wasm) {
  public static final String DEFAULT_FORMAT =
      "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% "
          + "%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" "
          + "\"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\"\n";

  public AccessLogConfig(String path, String format) {
    this(path, format, null);
  }
}

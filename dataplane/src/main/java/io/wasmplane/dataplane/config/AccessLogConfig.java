package io.wasmplane.dataplane.config;

import io.wasmplane.dataplane.accesslog.AccessLogFilter;
import io.wasmplane.dataplane.accesslog.AccessLogFormat;
import io.wasmplane.dataplane.accesslog.JsonLogFormat;
import io.wasmplane.dataplane.accesslog.LogFormatter;
import io.wasmplane.dataplane.wasm.PluginSpec;
import java.util.Map;

/**
 * One access logger: a file (envoy.access_loggers.file, or stdout/stderr: the paths /dev/stdout and /dev/stderr) with a
 * format string ({@code format}; Envoy's default when not given) or a format dictionary ({@code json}, a Struct as
 * plain maps, {@code typedJson} for Envoy's typed rendering); or envoy.access_loggers.wasm ({@code wasm} set; path and
 * formats null). {@code filter}: AccessLog.filter, for every kind.
 */
public record AccessLogConfig(String path, String format, PluginSpec wasm, Map<String, Object> json, boolean typedJson,
    boolean omitEmpty, AccessLogFilter filter) {
  public static final String DEFAULT_FORMAT =
      "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% "
          + "%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" "
          + "\"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\"\n";

  public AccessLogConfig(String path, String format) {
    this(path, format, null);
  }

  public AccessLogConfig(String path, String format, PluginSpec wasm) {
    this(path, format, wasm, null, false, false, AccessLogFilter.ALL);
  }

  /** The compiled line format of a file logger; an unknown operator is a ConfigException naming {@code where}. */
  public LogFormatter formatter(String where) {
    return json != null ? JsonLogFormat.compile(json, typedJson, omitEmpty, where + ".json_format")
        : AccessLogFormat.compile(format, where, omitEmpty);
  }
}

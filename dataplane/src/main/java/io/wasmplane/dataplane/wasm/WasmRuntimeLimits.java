package io.wasmplane.dataplane.wasm;

import io.wasmplane.wasm.RuntimeOptions;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The containment limits of every plugin VM, which Envoy's protos have no field for: how long one plugin callback may
 * run before the watchdog stops it and fails its VM ({@code wasmplane.wasm.call_timeout} /
 * {@code WASMPLANE_WASM_CALL_TIMEOUT}, e.g. {@code 250ms}, {@code 1s}; default 1 s) and the linear memory cap in
 * 64 KiB pages ({@code wasmplane.wasm.max_memory_pages} / {@code WASMPLANE_WASM_MAX_MEMORY_PAGES}; default 16384 =
 * 1 GiB). A bad value is a startup error naming the setting.
 */
public record WasmRuntimeLimits(Duration callTimeout, int maxMemoryPages) {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s)");

  public static WasmRuntimeLimits fromEnvironment() {
    RuntimeOptions d = RuntimeOptions.defaults();
    String timeout = setting("wasmplane.wasm.call_timeout", "WASMPLANE_WASM_CALL_TIMEOUT");
    String pages = setting("wasmplane.wasm.max_memory_pages", "WASMPLANE_WASM_MAX_MEMORY_PAGES");
    return new WasmRuntimeLimits(timeout == null ? d.callTimeout() : duration(timeout),
        pages == null ? d.maxMemoryPages() : pages(pages));
  }

  public RuntimeOptions applyTo(RuntimeOptions options) {
    return options.withCallTimeout(callTimeout).withMaxMemoryPages(maxMemoryPages);
  }

  private static Duration duration(String value) {
    Matcher m = DURATION.matcher(value.trim());
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw new IllegalArgumentException("wasmplane.wasm.call_timeout (WASMPLANE_WASM_CALL_TIMEOUT): expected a positive "
          + "duration such as 250ms or 1s, got '" + value + "'");
    }
    long n = Long.parseLong(m.group(1));
    return m.group(2).equals("ms") ? Duration.ofMillis(n) : Duration.ofSeconds(n);
  }

  private static int pages(String value) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 1 && n <= 65536) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("wasmplane.wasm.max_memory_pages (WASMPLANE_WASM_MAX_MEMORY_PAGES): expected "
        + "1..65536 pages of 64 KiB, got '" + value + "'");
  }

  private static String setting(String property, String env) {
    String v = System.getProperty(property);
    return v != null ? v : System.getenv(env);
  }
}

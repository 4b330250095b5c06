package io.wasmplane.dataplane.admin;

import ch.qos.logback.classic.Level;
import java.util.Locale;

/** Envoy's log level names mapped to logback levels. */
public final class LogLevels {
  private LogLevels() {}

  /** trace, debug, info, warning/warn, error, critical, off; null when unknown. */
  public static Level parse(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "trace" -> Level.TRACE;
      case "debug" -> Level.DEBUG;
      case "info" -> Level.INFO;
      case "warning", "warn" -> Level.WARN;
      case "error", "critical" -> Level.ERROR;
      case "off" -> Level.OFF;
      default -> null;
    };
  }
}

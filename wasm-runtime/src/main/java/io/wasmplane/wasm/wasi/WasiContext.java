package io.wasmplane.wasm.wasi;

import io.wasmplane.wasm.LogLevel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * What one VM's WASI functions see: the log sink for stdout/stderr, the environment (only what the VM config gives;
 * never the host's), the clocks and the random source. One per VM, used on the VM's thread only.
 *
 * <p>stdout and stderr are line-buffered: each complete line becomes one log message; a partial line waits for its
 * newline, for {@code fd_close}, for {@code proc_exit} or for {@link #flush()} (call it when the VM closes or fails).
 * A pending line longer than {@link #MAX_LINE_BYTES} is logged as it is, so a plugin cannot grow the buffer forever.
 */
public final class WasiContext {
  public static final int MAX_LINE_BYTES = 64 * 1024;

  private final WasiLog log;
  private final List<byte[]> environ;
  private final WasiClock clock;
  private final Random random;
  private final LineBuffer stdout = new LineBuffer(LogLevel.INFO);
  private final LineBuffer stderr = new LineBuffer(LogLevel.ERROR);

  private WasiContext(WasiLog log, Map<String, String> environment, WasiClock clock, Random random) {
    this.log = Objects.requireNonNull(log, "log");
    List<byte[]> env = new ArrayList<>(environment.size());
    environment.forEach((k, v) -> env.add((k + "=" + v + "\0").getBytes(StandardCharsets.UTF_8)));
    this.environ = List.copyOf(env);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
  }

  /** System clocks and a {@link SecureRandom}. {@code environment} is copied in its iteration order. */
  public static WasiContext of(WasiLog log, Map<String, String> environment) {
    return new WasiContext(log, environment, WasiClock.system(), new SecureRandom());
  }

  public static WasiContext of(WasiLog log, Map<String, String> environment, WasiClock clock, Random random) {
    return new WasiContext(log, environment, clock, random);
  }

  /** Logs any partial stdout/stderr line. */
  public void flush() {
    stdout.flush();
    stderr.flush();
  }

  /** Each variable as {@code KEY=VALUE\0} in UTF-8. */
  List<byte[]> environ() {
    return environ;
  }

  WasiClock clock() {
    return clock;
  }

  Random random() {
    return random;
  }

  /** The buffer for fd 1 or 2, else null. */
  LineBuffer stream(int fd) {
    return fd == 1 ? stdout : fd == 2 ? stderr : null;
  }

  /** Collects bytes and logs them one line at a time (UTF-8 decoded per line, so split characters survive). */
  final class LineBuffer {
    private final LogLevel level;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    LineBuffer(LogLevel level) {
      this.level = level;
    }

    void write(byte[] data) {
      int start = 0;
      for (int i = 0; i < data.length; i++) {
        if (data[i] == '\n') {
          pending.write(data, start, i - start);
          emit();
          start = i + 1;
        } else if (pending.size() + (i - start) >= MAX_LINE_BYTES) {
          pending.write(data, start, i - start);
          emit();
          start = i;
        }
      }
      pending.write(data, start, data.length - start);
    }

    void flush() {
      if (pending.size() > 0) {
        emit();
      }
    }

    private void emit() {
      String line = pending.toString(StandardCharsets.UTF_8);
      pending.reset();
      log.log(level, line);
    }
  }
}

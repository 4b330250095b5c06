package io.wasmplane.wasm.wasi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.types.FunctionType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Drives every WASI function through a real module that imports it (under wasi_snapshot_preview1 and under
 * wasi_unstable), in the interpreter and in compiled code. Java writes the arguments into linear memory, calls the
 * module's pass-through export, and reads back the errno and what the host wrote.
 */
class ProxyWasiTest {
  private static final int PAGE = 65536;

  static Stream<Arguments> cases() {
    return Stream.of(WasiModules.Mode.values()).flatMap(mode -> Stream.of(
        Arguments.of("wasi_probe_preview1", mode), Arguments.of("wasi_probe_unstable", mode)));
  }

  private final WasiModules.CapturedLog log = new WasiModules.CapturedLog();

  private Instance probe(String module, WasiModules.Mode mode, Map<String, String> env) {
    return WasiModules.instantiate(module, mode, WasiContext.of(log, env, WasiClock.system(), new Random(42)));
  }

  private static long call(Instance inst, String fn, long... args) {
    return inst.export(fn).apply(args)[0];
  }

  private static void iovec(Memory m, int at, int buf, String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    m.write(buf, b);
    m.writeI32(at, buf);
    m.writeI32(at + 4, b.length);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void fdWriteLogsWholeLinesAtInfoAndErrorAndFlushesOnClose(String module, WasiModules.Mode mode) {
    WasiContext ctx = WasiContext.of(log, Map.of());
    Instance inst = WasiModules.instantiate(module, mode, ctx);
    Memory m = inst.memory();
    iovec(m, 0, 1000, "ab");
    iovec(m, 8, 1100, "c\nd");
    m.writeI32(200, -1);
    assertThat(call(inst, "fd_write", 1, 0, 2, 200)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(m.readInt(200)).isEqualTo(5);
    assertThat(log.lines).containsExactly("INFO abc");

    iovec(m, 0, 1200, "é is two bytes\n"); // UTF-8 survives
    assertThat(call(inst, "fd_write", 2, 0, 1, 200)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(log.lines).containsExactly("INFO abc", "ERROR é is two bytes");

    assertThat(call(inst, "fd_pwrite", 1, 0, 1, 123456789012L, 200)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(log.lines).containsExactly("INFO abc", "ERROR é is two bytes", "INFO dé is two bytes");

    iovec(m, 0, 1000, "tail");
    call(inst, "fd_write", 1, 0, 1, 200);
    assertThat(log.lines).hasSize(3);
    assertThat(call(inst, "fd_close", 1)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(log.lines).endsWith("INFO tail");

    assertThat(call(inst, "fd_write", 0, 0, 1, 200)).isEqualTo(WasiErrno.BADF);
    assertThat(call(inst, "fd_write", 3, 0, 1, 200)).isEqualTo(WasiErrno.BADF);
    assertThat(log.lines).hasSize(4);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void aLineWithoutNewlineIsLoggedInBoundedPieces(String module, WasiModules.Mode mode) {
    Instance inst = probe(module, mode, Map.of());
    Memory m = inst.memory();
    int half = 40_000; // two iovecs over the same bytes: 80000 bytes without a newline, more than one line may hold
    byte[] text = new byte[half];
    Arrays.fill(text, (byte) 'z');
    m.write(1000, text);
    m.writeI32(0, 1000);
    m.writeI32(4, half);
    m.writeI32(8, 1000);
    m.writeI32(12, half);
    assertThat(call(inst, "fd_write", 1, 0, 2, 200)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(m.readInt(200)).isEqualTo(2 * half);
    assertThat(log.lines).containsExactly("INFO " + "z".repeat(WasiContext.MAX_LINE_BYTES));
    iovec(m, 0, 1000, "!\n");
    call(inst, "fd_write", 1, 0, 1, 200);
    assertThat(log.lines).hasSize(2).last().isEqualTo("INFO " + "z".repeat(2 * half - WasiContext.MAX_LINE_BYTES) + "!");
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void environComesFromTheGivenMapOnly(String module, WasiModules.Mode mode) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("A", "1");
    env.put("B", "x=y");
    Instance inst = probe(module, mode, env);
    Memory m = inst.memory();
    assertThat(call(inst, "environ_sizes_get", 100, 104)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(m.readInt(100)).isEqualTo(2);
    assertThat(m.readInt(104)).isEqualTo(4 + 6); // "A=1\0" "B=x=y\0"
    assertThat(call(inst, "environ_get", 200, 300)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(m.readInt(200)).isEqualTo(300);
    assertThat(m.readInt(204)).isEqualTo(304);
    assertThat(m.readBytes(300, 10)).isEqualTo("A=1\0B=x=y\0".getBytes(StandardCharsets.US_ASCII));

    assertThat(System.getenv()).isNotEmpty(); // the JVM has an environment, and the plugin must not see it
    Instance bare = probe(module, mode, Map.of());
    bare.memory().writeI32(100, -1);
    bare.memory().writeI32(104, -1);
    assertThat(call(bare, "environ_sizes_get", 100, 104)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(bare.memory().readInt(100)).isZero();
    assertThat(bare.memory().readInt(104)).isZero();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void argsAreEmpty(String module, WasiModules.Mode mode) {
    Instance inst = probe(module, mode, Map.of());
    inst.memory().writeI32(100, -1);
    inst.memory().writeI32(104, -1);
    assertThat(call(inst, "args_sizes_get", 100, 104)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(inst.memory().readInt(100)).isZero();
    assertThat(inst.memory().readInt(104)).isZero();
    assertThat(call(inst, "args_get", 200, 300)).isEqualTo(WasiErrno.SUCCESS);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void clocks(String module, WasiModules.Mode mode) {
    Instance inst = probe(module, mode, Map.of());
    Memory m = inst.memory();
    long before = System.currentTimeMillis();
    assertThat(call(inst, "clock_time_get", 0, Long.MAX_VALUE, 100)).isEqualTo(WasiErrno.SUCCESS);
    long realtimeMillis = m.readLong(100) / 1_000_000;
    assertThat(realtimeMillis).isBetween(before - 1000, System.currentTimeMillis() + 1000);

    assertThat(call(inst, "clock_time_get", 1, 1, 100)).isEqualTo(WasiErrno.SUCCESS);
    long first = m.readLong(100);
    assertThat(first).isPositive();
    long later = first;
    for (int i = 0; i < 1_000_000 && later == first; i++) { // bounded: the clock ticks in nanoseconds
      call(inst, "clock_time_get", 1, 0, 100);
      later = m.readLong(100);
    }
    assertThat(later).isGreaterThan(first);

    assertThat(call(inst, "clock_time_get", 2, 0, 100)).isEqualTo(WasiErrno.NOTSUP);
    assertThat(call(inst, "clock_time_get", 3, 0, 100)).isEqualTo(WasiErrno.NOTSUP);
    assertThat(call(inst, "clock_time_get", 9, 0, 100)).isEqualTo(WasiErrno.INVAL);
    assertThat(call(inst, "clock_res_get", 1, 100)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(m.readLong(100)).isEqualTo(1);
    assertThat(call(inst, "clock_res_get", 0, 100)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(m.readLong(100)).isPositive();
    assertThat(call(inst, "clock_res_get", 9, 100)).isEqualTo(WasiErrno.INVAL);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void randomBytesComeFromTheContextsSourceWithCppHostsLimit(String module, WasiModules.Mode mode) {
    Instance inst = probe(module, mode, Map.of()); // seeded with 42
    byte[] expected = new byte[32];
    new Random(42).nextBytes(expected);
    assertThat(call(inst, "random_get", 500, 32)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(inst.memory().readBytes(500, 32)).isEqualTo(expected);
    assertThat(call(inst, "random_get", 0, 0)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(call(inst, "random_get", 0, ProxyWasi.MAX_RANDOM_BYTES)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(call(inst, "random_get", 0, ProxyWasi.MAX_RANDOM_BYTES + 1)).isEqualTo(WasiErrno.INVAL);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void schedulingAndPollAnswerAsEnvoy(String module, WasiModules.Mode mode) {
    Instance inst = probe(module, mode, Map.of());
    assertThat(call(inst, "sched_yield")).isEqualTo(WasiErrno.SUCCESS);
    inst.memory().writeI32(400, -1);
    assertThat(call(inst, "poll_oneoff", 100, 200, 1, 400)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(inst.memory().readInt(400)).isZero();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void fdstatDescribesStdioAsCharacterDevices(String module, WasiModules.Mode mode) {
    Instance inst = probe(module, mode, Map.of());
    Memory m = inst.memory();
    m.write(100, filled(24));
    assertThat(call(inst, "fd_fdstat_get", 1, 100)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(m.read(100)).isEqualTo((byte) 2);
    assertThat(m.readShort(102)).isZero();
    assertThat(m.readLong(108)).isEqualTo(64); // FD_WRITE
    assertThat(m.readLong(116)).isZero();
    assertThat(call(inst, "fd_fdstat_get", 0, 100)).isEqualTo(WasiErrno.SUCCESS);
    assertThat(m.readLong(108)).isEqualTo(2); // FD_READ
    assertThat(call(inst, "fd_fdstat_get", 3, 100)).isEqualTo(WasiErrno.BADF);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void filesystemAndSocketCallsGetCleanErrnos(String module, WasiModules.Mode mode) {
    Instance inst = probe(module, mode, Map.of());
    assertThat(call(inst, "fd_prestat_get", 3, 100)).isEqualTo(WasiErrno.BADF);
    assertThat(call(inst, "fd_prestat_dir_name", 3, 100, 10)).isEqualTo(WasiErrno.NOSYS);
    assertThat(call(inst, "path_open", 3, 0, 100, 5, 0, -1L, -1L, 0, 200)).isEqualTo(WasiErrno.NOENT);
    assertThat(call(inst, "path_unlink_file", 3, 100, 5)).isEqualTo(WasiErrno.BADF);
    assertThat(call(inst, "path_filestat_set_times", 3, 0, 100, 5, 1L, 2L, 0)).isEqualTo(WasiErrno.BADF);
    assertThat(call(inst, "fd_read", 0, 100, 1, 200)).isEqualTo(WasiErrno.NOSYS);
    assertThat(call(inst, "fd_pread", 0, 100, 1, 7L, 200)).isEqualTo(WasiErrno.NOSYS);
    assertThat(call(inst, "fd_seek", 1, 0L, 0, 200)).isEqualTo(WasiErrno.SPIPE);
    assertThat(call(inst, "fd_seek", 9, 0L, 0, 200)).isEqualTo(WasiErrno.BADF);
    assertThat(call(inst, "fd_tell", 2, 200)).isEqualTo(WasiErrno.SPIPE);
    assertThat(call(inst, "fd_fdstat_set_flags", 1, 4)).isEqualTo(WasiErrno.NOSYS);
    assertThat(call(inst, "fd_fdstat_set_flags", 7, 4)).isEqualTo(WasiErrno.BADF);
    assertThat(call(inst, "fd_filestat_set_size", 1, 10L)).isEqualTo(WasiErrno.NOTSUP);
    assertThat(call(inst, "fd_readdir", 5, 100, 10, 0L, 200)).isEqualTo(WasiErrno.BADF);
    assertThat(call(inst, "fd_close", 9)).isEqualTo(WasiErrno.BADF);
    assertThat(call(inst, "sock_recv", 7, 100, 1, 0, 200, 204)).isEqualTo(WasiErrno.BADF);
    assertThat(call(inst, "sock_send", 1, 100, 1, 0, 200)).isEqualTo(WasiErrno.NOTSUP);
    assertThat(call(inst, "sock_accept", 3, 0, 200)).isEqualTo(WasiErrno.BADF);
    assertThat(call(inst, "proc_raise", 9)).isEqualTo(WasiErrno.NOSYS);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void badPointersAreFaultsAndChangeNothing(String module, WasiModules.Mode mode) {
    Instance inst = probe(module, mode, Map.of("K", "V"));
    Memory m = inst.memory();
    int last = PAGE - 1;
    assertThat(call(inst, "fd_write", 1, last, 1, 200)).isEqualTo(WasiErrno.FAULT); // iovec array out
    m.writeI32(0, PAGE - 2);
    m.writeI32(4, 10);
    assertThat(call(inst, "fd_write", 1, 0, 1, 200)).isEqualTo(WasiErrno.FAULT); // buffer out
    iovec(m, 0, 1000, "x\n");
    assertThat(call(inst, "fd_write", 1, 0, 1, PAGE - 3)).isEqualTo(WasiErrno.FAULT); // nwritten out
    assertThat(call(inst, "fd_write", 1, 0, 0x7FFF_FFFF, 200)).isEqualTo(WasiErrno.FAULT); // huge count
    assertThat(log.lines).isEmpty();

    assertThat(call(inst, "clock_time_get", 0, 0L, PAGE - 4)).isEqualTo(WasiErrno.FAULT);
    assertThat(call(inst, "clock_time_get", 1, 0L, 0xFFFF_FFF0L)).isEqualTo(WasiErrno.FAULT); // "negative" i32
    assertThat(call(inst, "random_get", PAGE - 8, 16)).isEqualTo(WasiErrno.FAULT);
    assertThat(call(inst, "environ_sizes_get", 100, PAGE)).isEqualTo(WasiErrno.FAULT);
    assertThat(call(inst, "environ_get", PAGE - 2, 300)).isEqualTo(WasiErrno.FAULT);
    assertThat(call(inst, "environ_get", 200, PAGE - 3)).isEqualTo(WasiErrno.FAULT);
    assertThat(call(inst, "args_sizes_get", -1, 0)).isEqualTo(WasiErrno.FAULT);
    assertThat(call(inst, "poll_oneoff", 0, 0, 1, PAGE)).isEqualTo(WasiErrno.FAULT);
    assertThat(call(inst, "fd_fdstat_get", 1, PAGE - 23)).isEqualTo(WasiErrno.FAULT);
    assertThat(call(inst, "clock_res_get", 0, PAGE - 7)).isEqualTo(WasiErrno.FAULT);
    byte[] tail = m.readBytes(PAGE - 64, 64);
    assertThat(tail).containsOnly((byte) 0); // nothing was partly written at the end of memory
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void procExitThrowsTheTypedExitWithItsCode(String module, WasiModules.Mode mode) {
    Instance inst = probe(module, mode, Map.of());
    iovec(inst.memory(), 0, 1000, "last words");
    call(inst, "fd_write", 2, 0, 1, 200);
    assertThatThrownBy(() -> inst.export("proc_exit").apply(7))
        .isInstanceOfSatisfying(WasiExitException.class, e -> assertThat(e.exitCode()).isEqualTo(7));
    assertThat(log.lines).containsExactly("ERROR last words"); // flushed before exiting
  }

  @Test
  void everySignatureMatchesChicorysIndependentPreview1() {
    Map<String, FunctionType> reference = new HashMap<>();
    try (WasiPreview1 wasi = WasiPreview1.builder().build()) {
      for (HostFunction f : wasi.toHostFunctions()) {
        reference.put(f.name(), f.functionType());
      }
    }
    List<HostFunction> ours = ProxyWasi.functions(WasiContext.of(log, Map.of()), ProxyWasi.PREVIEW1);
    int compared = 0;
    for (HostFunction f : ours) {
      FunctionType theirs = reference.get(f.name());
      if (theirs != null) {
        assertThat(f.functionType()).as(f.name()).isEqualTo(theirs);
        compared++;
      }
    }
    assertThat(compared).isGreaterThanOrEqualTo(40);
    assertThat(ours).extracting(HostFunction::name).doesNotHaveDuplicates()
        .containsAll(Arrays.asList("fd_write", "environ_get", "clock_time_get", "random_get", "poll_oneoff",
            "proc_exit", "sched_yield", "fd_fdstat_get", "sock_accept", "path_open"));
    assertThat(ProxyWasi.functions(WasiContext.of(log, Map.of()))).hasSize(2 * ours.size());
  }

  private static byte[] filled(int n) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) 0x5A);
    return b;
  }
}

package io.wasmplane.wasm.wasi;

import static io.wasmplane.wasm.wasi.WasiErrno.BADF;
import static io.wasmplane.wasm.wasi.WasiErrno.FAULT;
import static io.wasmplane.wasm.wasi.WasiErrno.INVAL;
import static io.wasmplane.wasm.wasi.WasiErrno.NOENT;
import static io.wasmplane.wasm.wasi.WasiErrno.NOSYS;
import static io.wasmplane.wasm.wasi.WasiErrno.NOTSUP;
import static io.wasmplane.wasm.wasi.WasiErrno.SPIPE;
import static io.wasmplane.wasm.wasi.WasiErrno.SUCCESS;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The WASI surface Envoy's engine (proxy-wasm-cpp-host) gives plugins, as Chicory host functions, under both
 * {@code wasi_snapshot_preview1} and {@code wasi_unstable} (same signatures; the struct layouts that differ belong to
 * calls answered with an errno here). Written here rather than taken from Chicory's {@code WasiPreview1}, which would
 * expose the host's files, clocks and environment semantics.
 *
 * <p>What does real work: {@code fd_write}/{@code fd_pwrite} to fd 1 (log at INFO) and fd 2 (ERROR), line-buffered
 * (see {@link WasiContext}); {@code environ_*} from the VM config only; {@code args_*} empty; {@code clock_time_get}
 * and {@code clock_res_get} for REALTIME and MONOTONIC (CPU clocks: NOTSUP, unknown ids: INVAL); {@code random_get}
 * (at most 64 KiB per call, else INVAL, as cpp-host); {@code sched_yield}; {@code poll_oneoff} answering no events
 * (the Go runtime needs it to succeed); {@code fd_fdstat_get} (fds 0-2 are character devices); {@code fd_close} on
 * 0-2 (flushes). Everything else returns a clean errno and touches nothing: {@code path_open} NOENT, other
 * {@code path_*} BADF (there are no preopened directories), {@code fd_prestat_get} BADF (ends the preopen scan),
 * {@code fd_read}/{@code fd_pread}/{@code fd_prestat_dir_name}/{@code fd_fdstat_set_flags} NOSYS (as cpp-host),
 * seeks on 0-2 SPIPE, other operations on 0-2 NOTSUP, anything on another fd BADF. A pointer outside linear
 * memory gives FAULT (21); the host never throws for it.
 *
 * <p>{@code proc_exit(code)} flushes the log buffers and throws Chicory's {@link WasiExitException} (with the
 * code); the runtime maps it to a VM failure ({@code PluginFailureException} kind PROC_EXIT), as cpp-host fails the
 * VM.
 *
 * <p>Start-up: cpp-host allows WASI (logging, clocks, random, environ, args, the fd/path/sock stubs) while
 * {@code _initialize}/{@code main}/{@code _start} run, so nothing here is restricted; the start-up restriction
 * concerns the {@code env.proxy_*} functions only.
 */
public final class ProxyWasi {
  public static final String PREVIEW1 = "wasi_snapshot_preview1";
  public static final String UNSTABLE = "wasi_unstable";
  public static final List<String> MODULES = List.of(PREVIEW1, UNSTABLE);

  /** cpp-host {@code PROXY_WASM_HOST_WASI_RANDOM_GET_MAX_SIZE_BYTES}. */
  public static final int MAX_RANDOM_BYTES = 64 * 1024;

  private static final int CLOCK_REALTIME = 0;
  private static final int CLOCK_MONOTONIC = 1;
  private static final int CLOCK_PROCESS_CPUTIME = 2;
  private static final int CLOCK_THREAD_CPUTIME = 3;
  private static final int FILETYPE_CHARACTER_DEVICE = 2;
  private static final long RIGHT_FD_READ = 1L << 1;
  private static final long RIGHT_FD_WRITE = 1L << 6;

  private ProxyWasi() {}

  /** Every WASI function under both module names, bound to one VM's context. */
  public static List<HostFunction> functions(WasiContext ctx) {
    List<HostFunction> out = new ArrayList<>();
    for (String module : MODULES) {
      out.addAll(functions(ctx, module));
    }
    return out;
  }

  /**
   * Helpers cpp-host registers in {@code env} for Emscripten-built (C++ SDK) plugins:
   * {@code emscripten_notify_memory_growth(i32)} (no-op) and {@code pthread_equal(i32, i32) -> i32}.
   */
  public static List<HostFunction> envSupport() {
    return List.of(
        new HostFunction("env", "emscripten_notify_memory_growth", FunctionType.of(List.of(ValType.I32), List.of()),
            (inst, a) -> null),
        new HostFunction("env", "pthread_equal", FunctionType.of(List.of(ValType.I32, ValType.I32), List.of(ValType.I32)),
            (inst, a) -> new long[] {(int) a[0] == (int) a[1] ? 1 : 0}));
  }

  /** Every WASI function under one module name. */
  public static List<HostFunction> functions(WasiContext ctx, String module) {
    Table t = new Table(module);
    // args and environment
    t.def("args_get", "ii", (m, a) -> SUCCESS);
    t.def("args_sizes_get", "ii", (m, a) -> writeU32s(m, a[0], 0, a[1], 0));
    t.def("environ_get", "ii", (m, a) -> environGet(ctx, m, a[0], a[1]));
    t.def("environ_sizes_get", "ii", (m, a) -> environSizesGet(ctx, m, a[0], a[1]));
    // clocks, randomness, scheduling
    t.def("clock_res_get", "ii", (m, a) -> clockResGet(m, (int) a[0], a[1]));
    t.def("clock_time_get", "iIi", (m, a) -> clockTimeGet(ctx, m, (int) a[0], a[2]));
    t.def("random_get", "ii", (m, a) -> randomGet(ctx, m, a[0], a[1]));
    t.def("sched_yield", "", (m, a) -> SUCCESS);
    t.def("poll_oneoff", "iiii", (m, a) -> writeU32s(m, a[3], 0));
    t.def("proc_raise", "i", (m, a) -> NOSYS);
    // fds: stdin/stdout/stderr only
    t.def("fd_write", "iiii", (m, a) -> fdWrite(ctx, m, (int) a[0], a[1], a[2], a[3]));
    t.def("fd_pwrite", "iiiIi", (m, a) -> fdWrite(ctx, m, (int) a[0], a[1], a[2], a[4]));
    t.def("fd_read", "iiii", (m, a) -> NOSYS);
    t.def("fd_pread", "iiiIi", (m, a) -> NOSYS);
    t.def("fd_close", "i", (m, a) -> fdClose(ctx, (int) a[0]));
    t.def("fd_fdstat_get", "ii", (m, a) -> fdstatGet(m, (int) a[0], a[1]));
    t.def("fd_fdstat_set_flags", "ii", (m, a) -> isStdio(a[0]) ? NOSYS : BADF);
    t.def("fd_fdstat_set_rights", "iII", (m, a) -> onStdio(a[0], NOTSUP));
    t.def("fd_prestat_get", "ii", (m, a) -> BADF);
    t.def("fd_prestat_dir_name", "iii", (m, a) -> NOSYS);
    t.def("fd_seek", "iIii", (m, a) -> onStdio(a[0], SPIPE));
    t.def("fd_tell", "ii", (m, a) -> onStdio(a[0], SPIPE));
    t.def("fd_advise", "iIIi", (m, a) -> onStdio(a[0], NOTSUP));
    t.def("fd_allocate", "iII", (m, a) -> onStdio(a[0], NOTSUP));
    t.def("fd_datasync", "i", (m, a) -> onStdio(a[0], NOTSUP));
    t.def("fd_sync", "i", (m, a) -> onStdio(a[0], NOTSUP));
    t.def("fd_filestat_get", "ii", (m, a) -> onStdio(a[0], NOTSUP));
    t.def("fd_filestat_set_size", "iI", (m, a) -> onStdio(a[0], NOTSUP));
    t.def("fd_filestat_set_times", "iIIi", (m, a) -> onStdio(a[0], NOTSUP));
    t.def("fd_readdir", "iiiIi", (m, a) -> onStdio(a[0], NOTSUP));
    t.def("fd_renumber", "ii", (m, a) -> onStdio(a[0], NOTSUP));
    // paths: no preopened directories, so no directory fd is valid
    t.def("path_open", "iiiiiIIii", (m, a) -> NOENT);
    t.def("path_create_directory", "iii", (m, a) -> BADF);
    t.def("path_filestat_get", "iiiii", (m, a) -> BADF);
    t.def("path_filestat_set_times", "iiiiIIi", (m, a) -> BADF);
    t.def("path_link", "iiiiiii", (m, a) -> BADF);
    t.def("path_readlink", "iiiiii", (m, a) -> BADF);
    t.def("path_remove_directory", "iii", (m, a) -> BADF);
    t.def("path_rename", "iiiiii", (m, a) -> BADF);
    t.def("path_symlink", "iiiii", (m, a) -> BADF);
    t.def("path_unlink_file", "iii", (m, a) -> BADF);
    // sockets: there are none
    t.def("sock_accept", "iii", (m, a) -> onStdio(a[0], NOTSUP));
    t.def("sock_recv", "iiiiii", (m, a) -> onStdio(a[0], NOTSUP));
    t.def("sock_send", "iiiii", (m, a) -> onStdio(a[0], NOTSUP));
    t.def("sock_shutdown", "ii", (m, a) -> onStdio(a[0], NOTSUP));
    // proc_exit has no result
    t.out.add(new HostFunction(module, "proc_exit", FunctionType.of(List.of(ValType.I32), List.of()), (inst, a) -> {
      ctx.flush();
      throw new WasiExitException((int) a[0]);
    }));
    return List.copyOf(t.out);
  }

  // ---- the functions that do something

  private static int fdWrite(WasiContext ctx, Memory m, int fd, long iovs, long iovsLen, long nwrittenPtr) {
    WasiContext.LineBuffer stream = ctx.stream(fd);
    if (stream == null) {
      return BADF;
    }
    long count = u32(iovsLen);
    if (!inBounds(m, iovs, count * 8) || !inBounds(m, nwrittenPtr, 4)) {
      return FAULT;
    }
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (long i = 0; i < count; i++) {
      int at = (int) (u32(iovs) + 8 * i);
      long buf = u32(m.readInt(at));
      long len = u32(m.readInt(at + 4));
      if (len == 0) {
        continue;
      }
      if (!inBounds(m, buf, len)) {
        return FAULT;
      }
      data.writeBytes(m.readBytes((int) buf, (int) len));
    }
    stream.write(data.toByteArray());
    m.writeI32((int) u32(nwrittenPtr), data.size());
    return SUCCESS;
  }

  private static int fdClose(WasiContext ctx, int fd) {
    WasiContext.LineBuffer stream = ctx.stream(fd);
    if (stream != null) {
      stream.flush();
      return SUCCESS;
    }
    return fd == 0 ? SUCCESS : BADF;
  }

  private static int fdstatGet(Memory m, int fd, long ptr) {
    if (!isStdio(fd)) {
      return BADF;
    }
    if (!inBounds(m, ptr, 24)) {
      return FAULT;
    }
    int at = (int) u32(ptr);
    m.write(at, new byte[24]); // filetype u8, pad, fs_flags u16, pad, rights_base u64, rights_inheriting u64
    m.writeByte(at, (byte) FILETYPE_CHARACTER_DEVICE);
    m.writeLong(at + 8, fd == 0 ? RIGHT_FD_READ : RIGHT_FD_WRITE);
    return SUCCESS;
  }

  private static int environSizesGet(WasiContext ctx, Memory m, long countPtr, long sizePtr) {
    long size = 0;
    for (byte[] e : ctx.environ()) {
      size += e.length;
    }
    return writeU32s(m, countPtr, ctx.environ().size(), sizePtr, (int) size);
  }

  private static int environGet(WasiContext ctx, Memory m, long arrayPtr, long bufPtr) {
    List<byte[]> env = ctx.environ();
    long total = 0;
    for (byte[] e : env) {
      total += e.length;
    }
    if (!inBounds(m, arrayPtr, 4L * env.size()) || !inBounds(m, bufPtr, total)) {
      return FAULT;
    }
    int slot = (int) u32(arrayPtr);
    int at = (int) u32(bufPtr);
    for (byte[] e : env) {
      m.writeI32(slot, at);
      m.write(at, e);
      slot += 4;
      at += e.length;
    }
    return SUCCESS;
  }

  private static int clockResGet(Memory m, int id, long ptr) {
    long resolution;
    switch (id) {
      case CLOCK_REALTIME:
        resolution = 1_000; // Instant.now(): microseconds on Linux
        break;
      case CLOCK_MONOTONIC:
        resolution = 1; // System.nanoTime()
        break;
      case CLOCK_PROCESS_CPUTIME:
      case CLOCK_THREAD_CPUTIME:
        return NOTSUP;
      default:
        return INVAL;
    }
    return writeU64(m, ptr, resolution);
  }

  private static int clockTimeGet(WasiContext ctx, Memory m, int id, long ptr) {
    switch (id) {
      case CLOCK_REALTIME:
        return writeU64(m, ptr, ctx.clock().realtimeNanos());
      case CLOCK_MONOTONIC:
        return writeU64(m, ptr, ctx.clock().monotonicNanos());
      case CLOCK_PROCESS_CPUTIME:
      case CLOCK_THREAD_CPUTIME:
        return NOTSUP;
      default:
        return INVAL;
    }
  }

  private static int randomGet(WasiContext ctx, Memory m, long ptr, long len) {
    long n = u32(len);
    if (n > MAX_RANDOM_BYTES) {
      return INVAL;
    }
    if (n == 0) {
      return SUCCESS;
    }
    if (!inBounds(m, ptr, n)) {
      return FAULT;
    }
    byte[] bytes = new byte[(int) n];
    ctx.random().nextBytes(bytes);
    m.write((int) u32(ptr), bytes);
    return SUCCESS;
  }

  // ---- memory helpers: every pointer is checked before any write, so a bad one changes nothing

  private static int writeU32s(Memory m, long ptr, int value) {
    if (!inBounds(m, ptr, 4)) {
      return FAULT;
    }
    m.writeI32((int) u32(ptr), value);
    return SUCCESS;
  }

  private static int writeU32s(Memory m, long ptr1, int value1, long ptr2, int value2) {
    if (!inBounds(m, ptr1, 4) || !inBounds(m, ptr2, 4)) {
      return FAULT;
    }
    m.writeI32((int) u32(ptr1), value1);
    m.writeI32((int) u32(ptr2), value2);
    return SUCCESS;
  }

  private static int writeU64(Memory m, long ptr, long value) {
    if (!inBounds(m, ptr, 8)) {
      return FAULT;
    }
    m.writeLong((int) u32(ptr), value);
    return SUCCESS;
  }

  static boolean inBounds(Memory m, long ptr, long len) {
    if (m == null || len < 0) {
      return false;
    }
    long size = (long) m.pages() * Memory.PAGE_SIZE;
    long start = u32(ptr);
    return start + len <= size;
  }

  private static long u32(long v) {
    return v & 0xFFFF_FFFFL;
  }

  private static boolean isStdio(long fd) {
    long f = u32(fd);
    return f <= 2;
  }

  /** {@code onStdio} for fds 0-2, BADF for any other fd. */
  private static int onStdio(long fd, int onStdio) {
    return isStdio(fd) ? onStdio : BADF;
  }

  /** A WASI call: the memory (null when the module has none) and the raw arguments; returns the errno. */
  @FunctionalInterface
  private interface Call {
    int apply(Memory memory, long[] args);
  }

  private static final class Table {
    final String module;
    final List<HostFunction> out = new ArrayList<>();

    Table(String module) {
      this.module = module;
    }

    /** {@code params}: one letter per parameter, 'i' for i32, 'I' for i64; every call returns an i32 errno. */
    void def(String name, String params, Call call) {
      List<ValType> types = new ArrayList<>(params.length());
      for (char c : params.toCharArray()) {
        types.add(c == 'I' ? ValType.I64 : ValType.I32);
      }
      out.add(new HostFunction(module, name, FunctionType.of(types, List.of(ValType.I32)),
          (Instance inst, long... args) -> new long[] {call.apply(memoryOf(inst), args)}));
    }
  }

  private static Memory memoryOf(Instance inst) {
    try {
      return inst.memory();
    } catch (RuntimeException noMemory) {
      return null;
    }
  }
}

package io.wasmplane.wasm.abi;

import com.dylibso.chicory.runtime.Memory;
import io.wasmplane.wasm.Status;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The plugin's linear memory as the host functions see it: every pointer the plugin passes is checked against the
 * current memory size (pointers and sizes are unsigned i32), and a bad one raises {@link OutOfBounds}, which the
 * host-function binding turns into INVALID_MEMORY_ACCESS. Data returned to the plugin goes through its allocator.
 */
public final class GuestMemory {
  /** A pointer/size pair outside linear memory. Carries no stack trace: it is a status, not a bug. */
  static final class OutOfBounds extends RuntimeException {
    OutOfBounds(long ptr, long len) {
      super("out of bounds: " + ptr + "+" + len, null, false, false);
    }
  }

  private final Memory memory;
  private final VmState vm;
  private final NameCache names = new NameCache();
  private static final int SCRATCH_BYTES = 256;
  private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private final byte[] scratch = new byte[SCRATCH_BYTES];

  GuestMemory(Memory memory, VmState vm) {
    this.memory = memory;
    this.vm = vm;
  }

  public long sizeBytes() {
    return (long) memory.pages() * Memory.PAGE_SIZE;
  }

  public int pages() {
    return memory.pages();
  }

  public int maximumPages() {
    return memory.maximumPages();
  }

  static long unsigned(long i32) {
    return i32 & 0xFFFF_FFFFL;
  }

  void check(long ptr, long len) {
    if (ptr < 0 || len < 0 || ptr + len > sizeBytes()) {
      throw new OutOfBounds(ptr, len);
    }
  }

  /** {@code len} bytes at {@code ptr} (both raw i32 arguments). */
  byte[] read(long ptrArg, long lenArg) {
    long ptr = unsigned(ptrArg);
    long len = unsigned(lenArg);
    check(ptr, len);
    return len == 0 ? new byte[0] : memory.readBytes((int) ptr, (int) len);
  }

  String readString(long ptrArg, long lenArg) {
    long ptr = unsigned(ptrArg);
    long len = unsigned(lenArg);
    check(ptr, len);
    if (len > SCRATCH_BYTES) {
      return new String(memory.readBytes((int) ptr, (int) len), StandardCharsets.UTF_8);
    }
    // Short strings (header values, log lines) go through one reused buffer, copied in 8-byte words: the String
    // copies them out, so no intermediate array is allocated per call.
    int at = (int) ptr;
    int n = (int) len;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      LONG_LE.set(scratch, i, memory.readLong(at + i));
    }
    for (; i < n; i++) {
      scratch[i] = memory.read(at + i);
    }
    return new String(scratch, 0, n, StandardCharsets.UTF_8);
  }

  /** A header name: like {@link #readString}, but a name this VM has seen before is not decoded again. */
  String readName(long ptrArg, long lenArg) {
    long ptr = unsigned(ptrArg);
    long len = unsigned(lenArg);
    long size = sizeBytes();
    if (ptr + len > size) {
      throw new OutOfBounds(ptr, len);
    }
    return names.decode(memory, (int) ptr, (int) len, size);
  }

  void writeU32(long ptrArg, long value) {
    long ptr = unsigned(ptrArg);
    check(ptr, 4);
    memory.writeI32((int) ptr, (int) value);
  }

  void writeU64(long ptrArg, long value) {
    long ptr = unsigned(ptrArg);
    check(ptr, 8);
    memory.writeLong((int) ptr, value);
  }

  void write(long ptr, byte[] data) {
    check(ptr, data.length);
    memory.write((int) ptr, data);
  }

  /**
   * Copies {@code data} into memory the plugin allocates and stores its pointer and size at {@code ptrPtr} and
   * {@code sizePtr}, as cpp-host's copyToPointerSize (empty data: pointer 0, no allocation). Returns
   * INVALID_MEMORY_ACCESS when the return pointers are bad or the allocator returns 0 or an out-of-bounds block.
   */
  /**
   * {@link #returnBytes} of the string's UTF-8 bytes. A short ASCII string (most header values) goes through the
   * reused scratch buffer instead of a new array per call.
   */
  @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): the low byte of each char, which ASCII is
  Status returnString(String value, long ptrPtr, long sizePtr) {
    int n = value.length();
    if (n == 0 || n > SCRATCH_BYTES || !ascii(value)) {
      return returnBytes(value.getBytes(StandardCharsets.UTF_8), ptrPtr, sizePtr);
    }
    check(unsigned(ptrPtr), 4);
    check(unsigned(sizePtr), 4);
    long ptr = vm.allocate(n); // before filling scratch: the allocator is plugin code, and may call back into the host
    if (ptr == 0) {
      return Status.INVALID_MEMORY_ACCESS;
    }
    value.getBytes(0, n, scratch, 0);
    memory.write((int) ptr, scratch, 0, n);
    writeU32(ptrPtr, ptr);
    writeU32(sizePtr, n);
    return Status.OK;
  }

  private static boolean ascii(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  Status returnBytes(byte[] data, long ptrPtr, long sizePtr) {
    check(unsigned(ptrPtr), 4);
    check(unsigned(sizePtr), 4);
    long ptr = 0;
    if (data.length > 0) {
      ptr = vm.allocate(data.length);
      if (ptr == 0) {
        return Status.INVALID_MEMORY_ACCESS;
      }
      memory.write((int) ptr, data);
    }
    writeU32(ptrPtr, ptr);
    writeU32(sizePtr, data.length);
    return Status.OK;
  }
}

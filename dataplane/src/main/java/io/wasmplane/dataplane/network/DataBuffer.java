package io.wasmplane.dataplane.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.wasmplane.wasm.host.Buffer;
import java.util.Arrays;

/**
 * Bytes a network filter holds for one direction (DOWNSTREAM_DATA or UPSTREAM_DATA): what arrived since the last
 * time the filter let data through, readable and rewritable by the plugin. Used only on the connection's loop.
 */
final class DataBuffer implements Buffer {
  private byte[] data = new byte[0];

  void append(ByteBuf buf) {
    int n = buf.readableBytes();
    byte[] next = Arrays.copyOf(data, data.length + n);
    buf.readBytes(next, data.length, n);
    data = next;
  }

  /** Hands the held bytes on (as a heap buffer) and empties this buffer. */
  ByteBuf drain() {
    ByteBuf out = Unpooled.wrappedBuffer(data);
    data = new byte[0];
    return out;
  }

  @Override
  public int length() {
    return data.length;
  }

  @Override
  public byte[] read(int start, int maxSize) {
    if (start >= data.length || maxSize <= 0) {
      return new byte[0];
    }
    return Arrays.copyOfRange(data, start, start + Math.min(maxSize, data.length - start));
  }

  @Override
  public boolean set(int start, int size, byte[] bytes) {
    if (start == 0 && size == 0) {
      data = concat(bytes, data);
    } else if (start >= data.length) {
      data = concat(data, bytes);
    } else {
      int end = Math.min(data.length, start + Math.max(size, 0));
      byte[] next = new byte[start + bytes.length + (data.length - end)];
      System.arraycopy(data, 0, next, 0, start);
      System.arraycopy(bytes, 0, next, start, bytes.length);
      System.arraycopy(data, end, next, start + bytes.length, data.length - end);
      data = next;
    }
    return true;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

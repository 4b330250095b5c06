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
  private int length;

  /** Appends with amortized growth: bytes held across StopIteration accumulate without re-copying each time. */
  void append(ByteBuf buf) {
    int n = buf.readableBytes();
    if (length + n > data.length) {
      data = Arrays.copyOf(data, Math.max(length + n, data.length * 2));
    }
    buf.readBytes(data, length, n);
    length += n;
  }

  /** Hands the held bytes on (as a heap buffer) and empties this buffer. */
  ByteBuf drain() {
    ByteBuf out = Unpooled.wrappedBuffer(data, 0, length);
    data = new byte[0];
    length = 0;
    return out;
  }

  @Override
  public int length() {
    return length;
  }

  @Override
  public byte[] read(int start, int maxSize) {
    if (start >= length || maxSize <= 0) {
      return new byte[0];
    }
    return Arrays.copyOfRange(data, start, start + Math.min(maxSize, length - start));
  }

  /** proxy_set_buffer_bytes: start=0,size=0 prepends; start>=length appends; else replaces size bytes at start. */
  @Override
  public boolean set(int start, int size, byte[] bytes) {
    int at;
    int end;
    if (start == 0 && size == 0) {
      at = 0;
      end = 0;
    } else if (start >= length) {
      at = length;
      end = length;
    } else {
      at = start;
      end = Math.min(length, start + Math.max(size, 0));
    }
    byte[] next = new byte[at + bytes.length + (length - end)];
    System.arraycopy(data, 0, next, 0, at);
    System.arraycopy(bytes, 0, next, at, bytes.length);
    System.arraycopy(data, end, next, at + bytes.length, length - end);
    data = next;
    length = next.length;
    return true;
  }
}

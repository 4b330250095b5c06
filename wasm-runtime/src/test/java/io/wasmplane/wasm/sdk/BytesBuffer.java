package io.wasmplane.wasm.sdk;

import io.wasmplane.wasm.host.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A body buffer backed by a byte array, with {@code proxy_set_buffer_bytes} semantics. */
public final class BytesBuffer implements Buffer {
  private byte[] bytes;

  public BytesBuffer(byte[] initial) {
    this.bytes = initial.clone();
  }

  public static BytesBuffer of(String text) {
    return new BytesBuffer(text.getBytes(StandardCharsets.UTF_8));
  }

  /** More data arrived from the network (the host buffers it while the plugin pauses). */
  public void append(byte[] more) {
    byte[] joined = Arrays.copyOf(bytes, bytes.length + more.length);
    System.arraycopy(more, 0, joined, bytes.length, more.length);
    bytes = joined;
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  public String text() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public int length() {
    return bytes.length;
  }

  @Override
  public byte[] read(int start, int maxSize) {
    if (start >= bytes.length || maxSize <= 0) {
      return new byte[0];
    }
    return Arrays.copyOfRange(bytes, start, start + Math.min(maxSize, bytes.length - start));
  }

  @Override
  public boolean set(int start, int size, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + data.length);
    if (start == 0 && size == 0) { // prepend
      out.writeBytes(data);
      out.writeBytes(bytes);
    } else if (start >= bytes.length) { // append
      out.writeBytes(bytes);
      out.writeBytes(data);
    } else { // replace [start, start + size)
      int end = Math.min(bytes.length, start + size);
      out.write(bytes, 0, start);
      out.writeBytes(data);
      out.write(bytes, end, bytes.length - end);
    }
    bytes = out.toByteArray();
    return true;
  }
}

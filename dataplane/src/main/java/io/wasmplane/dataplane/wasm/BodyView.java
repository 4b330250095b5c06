package io.wasmplane.dataplane.wasm;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.wasmplane.wasm.host.Buffer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The body a filter is looking at (chunk or buffered body) as a Proxy-Wasm buffer; writes replace it. */
final class BodyView implements Buffer {
  private final Supplier<ByteBuf> current;
  private final Consumer<ByteBuf> replace;

  BodyView(Supplier<ByteBuf> current, Consumer<ByteBuf> replace) {
    this.current = current;
    this.replace = replace;
  }

  @Override
  public int length() {
    return current.get().readableBytes();
  }

  @Override
  public byte[] read(int start, int maxSize) {
    ByteBuf b = current.get();
    int len = b.readableBytes();
    if (start < 0 || start > len) {
      return new byte[0];
    }
    int n = Math.min(maxSize, len - start);
    byte[] out = new byte[Math.max(0, n)];
    b.getBytes(b.readerIndex() + start, out);
    return out;
  }

  /** Envoy's set_buffer_bytes: start=0,size=0 prepends; start=length appends; otherwise replaces [start, start+size). */
  @Override
  public boolean set(int start, int size, byte[] data) {
    ByteBuf b = current.get();
    int len = b.readableBytes();
    if (start < 0 || size < 0 || start > len) {
      return false;
    }
    int end = Math.min(len, start + size);
    ByteBuf next = Unpooled.buffer(start + data.length + (len - end));
    next.writeBytes(b, b.readerIndex(), start);
    next.writeBytes(data);
    next.writeBytes(b, b.readerIndex() + end, len - end);
    replace.accept(next);
    return true;
  }
}

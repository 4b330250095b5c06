package io.wasmplane.wasm.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Strings and names read from linear memory come back exactly, at any length and offset, and never past its end. */
class GuestMemoryTest {
  private final Memory memory = new ByteArrayMemory(new MemoryLimits(1, 1));
  private final GuestMemory guest = new GuestMemory(memory, null); // reads only: no allocator needed
  private final int size = Memory.PAGE_SIZE;

  private static String text(int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append((char) ('a' + i % 26));
    }
    return b.toString();
  }

  @Test
  void everyLengthAroundTheBufferAndWordSizesReadsBack() {
    for (int length = 0; length <= 300; length++) {
      String s = text(length);
      for (int at : new int[] {3, 1000, size - length}) {
        memory.write(at, s.getBytes(StandardCharsets.UTF_8));
        assertThat(guest.readString(at, length)).isEqualTo(s);
        assertThat(guest.readName(at, length)).isEqualTo(s);
      }
    }
  }

  @Test
  void aShortReadAfterALongOneSeesNoLeftovers() {
    memory.write(0, text(200).getBytes(StandardCharsets.UTF_8));
    assertThat(guest.readString(0, 200)).isEqualTo(text(200));
    memory.write(500, "x-é".getBytes(StandardCharsets.UTF_8));
    assertThat(guest.readString(500, 4)).isEqualTo("x-é");
  }

  @Test
  void outOfBoundsIsRefused() {
    assertThatThrownBy(() -> guest.readString(size - 3, 4)).isInstanceOf(GuestMemory.OutOfBounds.class);
    assertThatThrownBy(() -> guest.readName(size - 3, 4)).isInstanceOf(GuestMemory.OutOfBounds.class);
    assertThatThrownBy(() -> guest.readString(-1, 1)).isInstanceOf(GuestMemory.OutOfBounds.class); // 0xFFFFFFFF
    assertThatThrownBy(() -> guest.readName(0, -1)).isInstanceOf(GuestMemory.OutOfBounds.class);
  }
}

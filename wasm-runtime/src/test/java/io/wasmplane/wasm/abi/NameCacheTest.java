package io.wasmplane.wasm.abi;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The header-name cache answers exactly what decoding the bytes would, whatever surrounds them in memory. */
class NameCacheTest {
  private final Memory memory = new ByteArrayMemory(new MemoryLimits(1, 1));
  private final long size = (long) memory.pages() * Memory.PAGE_SIZE;
  private final NameCache cache = new NameCache();

  private String put(int at, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    memory.write(at, bytes);
    return cache.decode(memory, at, bytes.length, size);
  }

  @Test
  void aRepeatedNameIsTheSameString() {
    String first = put(100, "x-request-id");
    String again = put(100, "x-request-id");
    assertThat(first).isEqualTo("x-request-id");
    assertThat(again).isSameAs(first);
    assertThat(put(5000, "x-request-id")).isSameAs(first); // found by its bytes, not its address
  }

  @Test
  void bytesAfterTheNameDoNotMatter() {
    memory.write(200, "x-a-GARBAGE-1".getBytes(StandardCharsets.UTF_8));
    String a = cache.decode(memory, 200, 3, size);
    memory.write(200, "x-a-other-junk".getBytes(StandardCharsets.UTF_8));
    assertThat(cache.decode(memory, 200, 3, size)).isSameAs(a).isEqualTo("x-a");
  }

  @Test
  void prefixesAndChangedContentAreDifferentNames() {
    assertThat(put(300, "accept-encoding")).isEqualTo("accept-encoding");
    memory.write(300, "accept-encoding".getBytes(StandardCharsets.UTF_8));
    assertThat(cache.decode(memory, 300, 6, size)).isEqualTo("accept");
    assertThat(put(300, "user-agent")).isEqualTo("user-agent");
    assertThat(put(300, "user-agenx")).isEqualTo("user-agenx");
  }

  @Test
  void wholeWordLengthsLongNamesEmptyAndNonAscii() {
    assertThat(put(400, "12345678")).isEqualTo("12345678");
    assertThat(put(400, "1234567812345678")).isEqualTo("1234567812345678");
    String thirtyTwo = "abcdefgh".repeat(4);
    assertThat(put(400, thirtyTwo)).isEqualTo(thirtyTwo);
    assertThat(put(400, thirtyTwo)).isEqualTo(thirtyTwo);
    String long40 = "x-a-rather-long-header-name-of-40-bytes!";
    assertThat(put(400, long40)).isEqualTo(long40);
    assertThat(cache.decode(memory, 400, 0, size)).isEmpty();
    assertThat(put(400, "x-café")).isEqualTo("x-café");
  }

  @Test
  void aNameAtTheEndOfMemoryIsReadWithoutPassingIt() {
    int at = (int) size - 5;
    assertThat(put(at, ":path")).isEqualTo(":path");
    assertThat(put(at, ":path")).isEqualTo(":path");
    assertThat(put((int) size - 9, "x-forward")).isEqualTo("x-forward");
  }

  @Test
  void moreNamesThanSlotsAllDecodeRight() {
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < 1000; i++) {
        String name = "x-h-" + i;
        assertThat(put(600 + (i % 7), name)).isEqualTo(name);
      }
    }
  }
}

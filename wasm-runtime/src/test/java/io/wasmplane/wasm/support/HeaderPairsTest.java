package io.wasmplane.wasm.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.wasm.HeaderPairs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeaderPairsTest {
  @Test
  void encodesTheSpecLayoutByteForByte() {
    byte[] encoded = HeaderPairs.encode(List.of(Map.entry("ab", "c"), Map.entry("", "xyz")));
    byte[] expected = {
      2, 0, 0, 0, // count
      2, 0, 0, 0, 1, 0, 0, 0, // "ab" -> "c"
      0, 0, 0, 0, 3, 0, 0, 0, // "" -> "xyz"
      'a', 'b', 0, 'c', 0, 0, 'x', 'y', 'z', 0
    };
    assertThat(encoded).containsExactly(expected);
  }

  @Test
  void roundTripsUnicodeEmptyAndRepeatedKeysInOrder() {
    List<Map.Entry<String, String>> pairs = List.of(
        Map.entry(":path", "/ä?q=1"), Map.entry("x-dup", "1"), Map.entry("x-dup", "2"), Map.entry("empty", ""));
    assertThat(HeaderPairs.decode(HeaderPairs.encode(pairs))).containsExactlyElementsOf(pairs);
    assertThat(HeaderPairs.decode(HeaderPairs.encode(List.of()))).isEmpty();
  }

  @Test
  void decodesTheEmptyForms() {
    assertThat(HeaderPairs.decode(new byte[0])).isEmpty();
    assertThat(HeaderPairs.decode(new byte[] {0})).isEmpty();
    assertThat(HeaderPairs.decode(new byte[] {0, 0, 0, 0})).isEmpty();
  }

  @Test
  void decodesASliceOfALargerBuffer() {
    byte[] inner = HeaderPairs.encode(List.of(Map.entry("k", "v")));
    byte[] outer = new byte[inner.length + 10];
    System.arraycopy(inner, 0, outer, 7, inner.length);
    assertThat(HeaderPairs.decode(outer, 7, inner.length)).containsExactly(Map.entry("k", "v"));
  }

  @Test
  void rejectsMalformedInput() {
    byte[] good = HeaderPairs.encode(List.of(Map.entry("key", "value")));
    assertThatThrownBy(() -> HeaderPairs.decode(new byte[] {1, 0})).isInstanceOf(IllegalArgumentException.class);
    // truncated: the last NUL is missing
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
    assertThatThrownBy(() -> HeaderPairs.decode(truncated)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pair 0");
    // count promises more size entries than there are bytes
    byte[] manyPairs = le(5, 1, 1);
    assertThatThrownBy(() -> HeaderPairs.decode(manyPairs)).isInstanceOf(IllegalArgumentException.class);
    // a key length of 0xFFFFFFFF must not wrap to a negative int
    byte[] hugeKey = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(1).putInt(-1).putInt(0).putInt(0).putInt(0).array();
    assertThatThrownBy(() -> HeaderPairs.decode(hugeKey)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HeaderPairs.decode(good, 5, good.length)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void enforcesCppHostLimits() {
    List<Map.Entry<String, String>> tooMany = new ArrayList<>();
    for (int i = 0; i <= HeaderPairs.MAX_PAIRS; i++) {
      tooMany.add(Map.entry("k" + i, "v"));
    }
    byte[] encoded = HeaderPairs.encode(tooMany); // the host side may encode any size
    assertThatThrownBy(() -> HeaderPairs.decode(encoded)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit");
    assertThat(HeaderPairs.decode(HeaderPairs.encode(tooMany.subList(0, HeaderPairs.MAX_PAIRS))))
        .hasSize(HeaderPairs.MAX_PAIRS);

    byte[] big = HeaderPairs.encode(List.of(Map.entry("k", "v".repeat(HeaderPairs.MAX_BYTES))));
    assertThatThrownBy(() -> HeaderPairs.decode(big)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit");
  }

  private static byte[] le(int... ints) {
    ByteBuffer b = ByteBuffer.allocate(ints.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i : ints) {
      b.putInt(i);
    }
    return b.array();
  }
}

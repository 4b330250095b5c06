package io.wasmplane.wasm.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.wasm.HeaderPairs;
import io.wasmplane.wasm.PropertyEncoding;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PropertyEncodingTest {
  @Test
  void integersAreEightBytesLittleEndian() {
    assertThat(PropertyEncoding.int64(0x0102030405060708L)).containsExactly(8, 7, 6, 5, 4, 3, 2, 1);
    assertThat(PropertyEncoding.int64(-1)).containsExactly(-1, -1, -1, -1, -1, -1, -1, -1);
    assertThat(PropertyEncoding.uint64(200)).containsExactly(200 - 256, 0, 0, 0, 0, 0, 0, 0);
    assertThat(PropertyEncoding.readInt64(PropertyEncoding.int64(Long.MIN_VALUE + 12345))).isEqualTo(Long.MIN_VALUE + 12345);
    assertThatThrownBy(() -> PropertyEncoding.readInt64(new byte[4])).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void doublesAreIeeeBitsLittleEndian() {
    // 1.5 = 0x3FF8000000000000
    assertThat(PropertyEncoding.float64(1.5)).containsExactly(0, 0, 0, 0, 0, 0, 0xF8 - 256, 0x3F);
    assertThat(PropertyEncoding.readFloat64(PropertyEncoding.float64(-2.25))).isEqualTo(-2.25);
  }

  @Test
  void boolsStringsDurationsAndTimestamps() {
    assertThat(PropertyEncoding.bool(true)).containsExactly(1);
    assertThat(PropertyEncoding.bool(false)).containsExactly(0);
    assertThat(PropertyEncoding.readBool(new byte[] {1})).isTrue();
    assertThat(PropertyEncoding.string("héllo")).containsExactly('h', 0xC3 - 256, 0xA9 - 256, 'l', 'l', 'o');
    assertThat(PropertyEncoding.readInt64(PropertyEncoding.duration(Duration.ofMillis(1500)))).isEqualTo(1_500_000_000L);
    assertThat(PropertyEncoding.readInt64(PropertyEncoding.timestamp(Instant.ofEpochSecond(3, 7)))).isEqualTo(3_000_000_007L);
    assertThat(PropertyEncoding.readInt64(PropertyEncoding.duration(Duration.ofSeconds(Long.MAX_VALUE))))
        .isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void mapsArePairs() {
    List<Map.Entry<String, String>> pairs = List.of(Map.entry("a", "1"));
    assertThat(PropertyEncoding.pairs(pairs)).containsExactly(HeaderPairs.encode(pairs));
  }
}

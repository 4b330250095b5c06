package io.wasmplane.wasm.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.wasm.ForeignFunction;
import io.wasmplane.wasm.ForeignFunctions;
import io.wasmplane.wasm.Status;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

class ForeignFunctionsTest {
  private final ForeignFunctions registry = ForeignFunctions.withBuiltIns();

  @Test
  void builtInsAreThereAndUnknownNamesAreNot() {
    assertThat(registry.names()).containsExactlyInAnyOrder("compress", "uncompress");
    assertThat(registry.lookup("declare_property")).isNull();
  }

  @Test
  void compressWritesAZlibStreamThatStockInflateReads() throws Exception {
    byte[] input = "hello hello hello hello wasm".repeat(100).getBytes(StandardCharsets.UTF_8);
    byte[] compressed = registry.lookup("compress").call(input);
    assertThat(compressed.length).isLessThan(input.length / 10);
    assertThat(compressed[0]).isEqualTo((byte) 0x78); // zlib header (deflate, 32 KiB window), as zlib's compress()
    assertThat(((compressed[0] & 0xFF) << 8 | (compressed[1] & 0xFF)) % 31).isZero(); // zlib FCHECK
    Inflater inflater = new Inflater();
    inflater.setInput(compressed);
    byte[] out = new byte[input.length];
    assertThat(inflater.inflate(out)).isEqualTo(input.length);
    assertThat(inflater.finished()).isTrue();
    inflater.end();
    assertThat(out).isEqualTo(input);
  }

  @Test
  void uncompressReadsAZlibStreamFromStockDeflate() throws Exception {
    byte[] input = new byte[100_000];
    new java.util.Random(1).nextBytes(input);
    Deflater deflater = new Deflater(9);
    deflater.setInput(input);
    deflater.finish();
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    byte[] chunk = new byte[4096];
    while (!deflater.finished()) {
      compressed.write(chunk, 0, deflater.deflate(chunk));
    }
    deflater.end();
    assertThat(registry.lookup("uncompress").call(compressed.toByteArray())).isEqualTo(input);
    assertThat(registry.lookup("uncompress").call(registry.lookup("compress").call(new byte[0]))).isEmpty();
  }

  @Test
  void corruptTruncatedAndOversizedInputsAreSerializationFailures() throws Exception {
    ForeignFunction uncompress = registry.lookup("uncompress");
    assertThatThrownBy(() -> uncompress.call("not zlib at all".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(ForeignFunction.Failure.class,
            f -> assertThat(f.status()).isEqualTo(Status.SERIALIZATION_FAILURE));
    byte[] good = registry.lookup("compress").call("some text to cut short".repeat(50).getBytes(StandardCharsets.UTF_8));
    byte[] cut = java.util.Arrays.copyOf(good, good.length / 2);
    assertThatThrownBy(() -> uncompress.call(cut))
        .isInstanceOfSatisfying(ForeignFunction.Failure.class,
            f -> assertThat(f.status()).isEqualTo(Status.SERIALIZATION_FAILURE));
    byte[] bomb = registry.lookup("compress").call(new byte[ForeignFunctions.MAX_UNCOMPRESSED_BYTES + 1]);
    assertThat(bomb.length).isLessThan(64 * 1024);
    assertThatThrownBy(() -> uncompress.call(bomb))
        .isInstanceOfSatisfying(ForeignFunction.Failure.class, f -> {
          assertThat(f.status()).isEqualTo(Status.SERIALIZATION_FAILURE);
          assertThat(f.getMessage()).contains("exceeds");
        });
  }

  @Test
  void customFunctionsCanBeRegistered() throws Exception {
    registry.register("echo_reversed", args -> new StringBuilder(new String(args, StandardCharsets.UTF_8))
        .reverse().toString().getBytes(StandardCharsets.UTF_8));
    assertThat(registry.lookup("echo_reversed").call("abc".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("cba".getBytes(StandardCharsets.UTF_8));
  }
}

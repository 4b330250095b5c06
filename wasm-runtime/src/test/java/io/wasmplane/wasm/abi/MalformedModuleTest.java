package io.wasmplane.wasm.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wasmplane.wasm.ExecutionMode;
import io.wasmplane.wasm.FailState;
import io.wasmplane.wasm.RuntimeOptions;
import io.wasmplane.wasm.WasmException;
import io.wasmplane.wasm.WasmRuntime;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bytes that are not a usable module are refused by {@code WasmRuntime.load}, in both execution modes, with a
 * WasmException and no VM: nothing of them can ever run. The dataplane turns this into a startup error, a NACK or a
 * failed remote load (dataplane HostileWasmConfigTest).
 */
@Timeout(60)
class MalformedModuleTest {
  private static final byte[] HEADER = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

  private static byte[] garbage(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static Stream<Arguments> malformed() {
    byte[] good = TestPlugins.wat("abi_host_calls");
    byte[] badMagic = good.clone();
    badMagic[1] = 'x';
    byte[] badVersion = good.clone();
    badVersion[4] = 2;
    java.util.List<Arguments> cases = java.util.List.of(
        Arguments.of("empty", new byte[0]),
        Arguments.of("truncated to half", Arrays.copyOf(good, good.length / 2)),
        Arguments.of("truncated inside the header", Arrays.copyOf(good, 6)),
        Arguments.of("bad magic", badMagic),
        Arguments.of("bad version", badVersion),
        // section id 0x7f does not exist
        Arguments.of("unknown section id", concat(HEADER, new byte[] {0x7f, 0x01, 0x00})),
        // a type section claiming 100 bytes with 2 present
        Arguments.of("section longer than the module", concat(HEADER, new byte[] {0x01, 0x64, 0x01, 0x60})),
        // a function section without a code section
        Arguments.of("function without code", concat(HEADER, new byte[] {0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
            0x03, 0x02, 0x01, 0x00})),
        Arguments.of("10 MB of garbage", garbage(10 * 1024 * 1024, 7)),
        Arguments.of("a valid header and 10 MB of garbage", concat(HEADER, garbage(10 * 1024 * 1024, 11))));
    return Stream.of(ExecutionMode.values()).flatMap(mode -> cases.stream()
        .map(c -> Arguments.of(mode, c.get()[0], c.get()[1])));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("malformed")
  void isRefusedWithAClearError(ExecutionMode mode, String what, byte[] code) {
    try (WasmRuntime rt = WasmRuntime.create(RuntimeOptions.defaults().withMode(mode))) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> rt.load(code))
          .as(what)
          .isInstanceOfSatisfying(WasmException.class, e -> {
            assertThat(e.failState()).isIn(FailState.UNABLE_TO_CREATE_VM, FailState.MISSING_FUNCTION);
            assertThat(e.getMessage()).isNotBlank();
          });
      assertThat((System.nanoTime() - start) / 1_000_000).as("ms to refuse " + what).isLessThan(20_000);
    }
  }
}

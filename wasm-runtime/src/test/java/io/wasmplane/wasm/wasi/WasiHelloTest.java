package io.wasmplane.wasm.wasi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiExitException;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A guest program that writes through both WASI module names, then exits. */
class WasiHelloTest {
  @ParameterizedTest
  @EnumSource(WasiModules.Mode.class)
  void linesArriveWholeAndInOrderAndExitFlushesTheRest(WasiModules.Mode mode) {
    WasiModules.CapturedLog log = new WasiModules.CapturedLog();
    WasiContext ctx = WasiContext.of(log, Map.of());
    Instance inst = WasiModules.instantiate("wasi_hello", mode, ctx);
    assertThat(inst.export("run").apply()[0]).isZero();
    assertThat(log.lines).containsExactly("INFO hello, world", "ERROR bad thing");
    assertThatThrownBy(() -> inst.export("exit").apply(3))
        .isInstanceOfSatisfying(WasiExitException.class, e -> assertThat(e.exitCode()).isEqualTo(3));
    assertThat(log.lines).containsExactly("INFO hello, world", "ERROR bad thing", "INFO second ", "ERROR no newline");
  }

  @ParameterizedTest
  @EnumSource(WasiModules.Mode.class)
  void flushLogsPartialLinesOnce(WasiModules.Mode mode) {
    WasiModules.CapturedLog log = new WasiModules.CapturedLog();
    WasiContext ctx = WasiContext.of(log, Map.of());
    Instance inst = WasiModules.instantiate("wasi_hello", mode, ctx);
    inst.export("run").apply();
    ctx.flush();
    ctx.flush();
    assertThat(log.lines).containsExactly("INFO hello, world", "ERROR bad thing", "INFO second ", "ERROR no newline");
  }
}

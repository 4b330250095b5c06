package io.wasmplane.wasm.abi;

import static org.assertj.core.api.Assertions.assertThat;

import io.wasmplane.wasm.PluginConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The context table agrees with a HashMap through many creates and closes in random order, growth included. */
class ContextTableTest {
  private static final PluginConfig PLUGIN = PluginConfig.of("p", "", new byte[0]);

  @Test
  void matchesAHashMapThroughRandomCreatesAndCloses() {
    ContextTable table = new ContextTable();
    Map<Integer, ContextState> reference = new HashMap<>();
    Random random = new Random(42);
    int nextId = 1;
    for (int step = 0; step < 50_000; step++) {
      boolean create = reference.isEmpty() || random.nextInt(100) < (reference.size() < 200 ? 55 : 45);
      if (create) {
        ContextState ctx = new ContextState(nextId++, ContextState.Kind.HTTP, null, null, PLUGIN);
        table.put(ctx);
        reference.put(ctx.id, ctx);
      } else {
        int victim = reference.keySet().stream().skip(random.nextInt(reference.size())).findFirst().orElseThrow();
        table.remove(victim);
        reference.remove(victim);
        assertThat(table.get(victim)).isNull();
      }
      if (step % 997 == 0) {
        for (Map.Entry<Integer, ContextState> e : reference.entrySet()) {
          assertThat(table.get(e.getKey())).isSameAs(e.getValue());
        }
        assertThat(table.values()).containsExactlyInAnyOrderElementsOf(reference.values());
      }
      assertThat(table.size()).isEqualTo(reference.size());
    }
    table.remove(nextId + 5); // absent: no effect
    assertThat(table.size()).isEqualTo(reference.size());
    table.clear();
    assertThat(table.size()).isZero();
    assertThat(table.values()).isEmpty();
  }
}

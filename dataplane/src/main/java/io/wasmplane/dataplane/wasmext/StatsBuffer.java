package io.wasmplane.dataplane.wasmext;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The buffer Envoy hands {@code envoy_on_stats_update} (anchors.md 1.7; the SDK's parseStatResults): a counter block
 * then a gauge block, each {u32 block_size, u32 type (1 counter, 2 gauge), u32 count} followed per stat by u32
 * name_len, the name, zero padding up to the next 8-byte offset (from the buffer's start), then u64 value and, for
 * counters, u64 delta since the previous flush. Little-endian.
 */
final class StatsBuffer {
  static final int COUNTER = 1;
  static final int GAUGE = 2;

  private StatsBuffer() {}

  static byte[] encode(Map<String, Long> counters, Map<String, Long> previousCounters, Map<String, Long> gauges) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    block(out, COUNTER, counters, previousCounters);
    block(out, GAUGE, gauges, null);
    return out.toByteArray();
  }

  private static void block(ByteArrayOutputStream out, int type, Map<String, Long> stats, Map<String, Long> previous) {
    int start = out.size();
    ByteBuffer b = ByteBuffer.allocate(blockSize(start, stats, previous != null)).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0); // block size, filled in below
    b.putInt(type);
    b.putInt(stats.size());
    for (Map.Entry<String, Long> e : stats.entrySet()) {
      byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
      b.putInt(name.length);
      b.put(name);
      while ((start + b.position()) % 8 != 0) {
        b.put((byte) 0);
      }
      long value = e.getValue();
      b.putLong(value);
      if (previous != null) {
        b.putLong(Math.max(0, value - previous.getOrDefault(e.getKey(), 0L)));
      }
    }
    b.putInt(0, b.position());
    out.write(b.array(), 0, b.position());
  }

  private static int blockSize(int start, Map<String, Long> stats, boolean withDelta) {
    int pos = start + 12;
    for (String name : stats.keySet()) {
      pos += 4 + name.getBytes(StandardCharsets.UTF_8).length;
      pos = (pos + 7) & ~7;
      pos += withDelta ? 16 : 8;
    }
    return pos - start;
  }
}

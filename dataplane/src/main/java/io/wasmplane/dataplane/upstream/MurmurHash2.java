package io.wasmplane.dataplane.upstream;

import java.nio.charset.StandardCharsets;

/**
 * The 64-bit MurmurHash2 variant of libstdc++'s {@code std::hash<std::string>} (seed 0xc70f6907), which Envoy's ring
 * hash uses for {@code hash_function: MURMUR_HASH_2}, so rings stay compatible with hosts hashed by std::hash.
 */
final class MurmurHash2 {
  static final long STD_HASH_SEED = 0xc70f6907L;
  private static final long MUL = 0xc6a4a7935bd1e995L;

  private MurmurHash2() {}

  static long hash(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    int len = b.length;
    int aligned = len & ~7;
    long h = STD_HASH_SEED ^ (len * MUL);
    for (int i = 0; i < aligned; i += 8) {
      long d = 0;
      for (int k = 7; k >= 0; k--) {
        d = (d << 8) | (b[i + k] & 0xFFL);
      }
      h ^= shiftMix(d * MUL) * MUL;
      h *= MUL;
    }
    if ((len & 7) != 0) {
      long d = 0;
      for (int k = len - 1; k >= aligned; k--) {
        d = (d << 8) | (b[k] & 0xFFL);
      }
      h ^= d;
      h *= MUL;
    }
    h = shiftMix(h) * MUL;
    return shiftMix(h);
  }

  private static long shiftMix(long v) {
    return v ^ (v >>> 47);
  }
}

package io.wasmplane.dataplane.stats;

/**
 * The fixed bucket layout of a {@link Histogram}: two significant digits. Values 0..100 have a bucket each; above,
 * decade {@code (10^e, 10^(e+1)]} has 90 buckets {@code ((k-1)*10^(e-1), k*10^(e-1)]} for k = 11..100. Buckets are
 * grouped in chunks (chunk 0: 0..100, chunk c: decade e = c + 1) so a histogram allocates only the decades it sees.
 */
final class Buckets {
  static final int EXACT = 101;
  static final int PER_DECADE = 90;
  static final int CHUNKS = 18; // the last decade, (10^18, 10^19], holds Long.MAX_VALUE
  static final int COUNT = EXACT + (CHUNKS - 1) * PER_DECADE;
  private static final long[] POW = new long[19];

  static {
    POW[0] = 1;
    for (int i = 1; i < POW.length; i++) {
      POW[i] = POW[i - 1] * 10;
    }
  }

  private Buckets() {}

  /** The chunk of a non-negative value. */
  static int chunk(long v) {
    if (v <= 100) {
      return 0;
    }
    int e = 2;
    while (e < 18 && v > POW[e + 1]) {
      e++;
    }
    return e - 1;
  }

  /** The value's slot within its chunk. */
  static int slot(long v, int chunk) {
    if (chunk == 0) {
      return (int) v;
    }
    long step = POW[chunk];
    long k = v / step + (v % step != 0 ? 1 : 0);
    return (int) k - 11;
  }

  static int chunkSize(int chunk) {
    return chunk == 0 ? EXACT : PER_DECADE;
  }

  /** The global index of a chunk's first bucket. */
  static int firstIndex(int chunk) {
    return chunk == 0 ? 0 : EXACT + (chunk - 1) * PER_DECADE;
  }

  /** The largest value bucket {@code index} holds (as a double: the top decade's bounds pass Long.MAX_VALUE). */
  static double upper(int index) {
    if (index < EXACT) {
      return index;
    }
    int i = index - EXACT;
    return (double) (i % PER_DECADE + 11) * POW[i / PER_DECADE + 1];
  }

  /** The bucket's exclusive lower bound; for the exact buckets, the value itself. */
  static double lower(int index) {
    if (index < EXACT) {
      return index;
    }
    int i = index - EXACT;
    return (double) (i % PER_DECADE + 10) * POW[i / PER_DECADE + 1];
  }
}

package io.wasmplane.dataplane.http;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.util.AsciiString;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Function;

/**
 * The proxy's header block: entries in one array, in arrival order, names compared case-insensitively by a linear
 * scan. A request or response has a dozen or two headers, so a scan that checks the length first beats Netty's
 * {@code DefaultHttpHeaders}, which hashes every name on add and lookup and allocates a linked entry per header
 * (Envoy's header map is also a list). Names are stored in lower case, as Envoy's codecs store them, so HTTP/1.1 peers
 * and plugins see lower-case names whatever case a peer sent (no copy when a name already is). Validation is Netty's:
 * names are RFC 9110 tokens, values have no control characters other than HTAB.
 */
public final class ArrayHttpHeaders extends HttpHeaders {
  /** Makes these for Netty's HTTP/1.1 decoders (headers and trailers). */
  public static final HttpHeadersFactory FACTORY = new HttpHeadersFactory() {
    @Override
    public HttpHeaders newHeaders() {
      return new ArrayHttpHeaders();
    }

    @Override
    public HttpHeaders newEmptyHeaders() {
      return new ArrayHttpHeaders(4);
    }
  };

  private static final boolean[] TOKEN = new boolean[128];

  static {
    for (char c = '0'; c <= '9'; c++) {
      TOKEN[c] = true;
    }
    for (char c = 'a'; c <= 'z'; c++) {
      TOKEN[c] = true;
      TOKEN[c - 32] = true;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TOKEN[c] = true;
    }
  }

  private static final Object[] NONE = new Object[0];
  private static final int[] NO_SIGS = new int[0];

  /** Lower-case names peers often send capitalized, by length (the last slot: longer than any). */
  private static final AsciiString[][] COMMON_BY_LENGTH = commonByLength(
      HttpHeaderNames.CONTENT_TYPE, HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.DATE, HttpHeaderNames.SERVER,
      HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.TRANSFER_ENCODING,
      HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.LOCATION, HttpHeaderNames.LAST_MODIFIED, HttpHeaderNames.ETAG,
      HttpHeaderNames.VARY, HttpHeaderNames.EXPIRES, HttpHeaderNames.SET_COOKIE, HttpHeaderNames.CONTENT_ENCODING,
      HttpHeaderNames.ACCEPT_RANGES, HttpHeaderNames.HOST, HttpHeaderNames.USER_AGENT, HttpHeaderNames.ACCEPT,
      HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderNames.ACCEPT_LANGUAGE, HttpHeaderNames.COOKIE,
      HttpHeaderNames.AUTHORIZATION, HttpHeaderNames.UPGRADE, HttpHeaderNames.REFERER, HttpHeaderNames.ORIGIN);

  private static AsciiString[][] commonByLength(AsciiString... names) {
    int max = 0;
    for (AsciiString n : names) {
      max = Math.max(max, n.length());
    }
    AsciiString[][] out = new AsciiString[max + 2][];
    for (int len = 0; len < out.length; len++) {
      int length = len;
      out[len] = Arrays.stream(names).filter(n -> n.length() == length).toArray(AsciiString[]::new);
    }
    return out;
  }

  /** Name, value, name, value...: one array, allocated at the first add (most trailer maps stay empty). */
  private Object[] kv = NONE;
  /**
   * Each entry's name {@link #signature}: a lookup compares ints and calls no CharSequence method on names that differ.
   * Not a hash of the whole name: most lookup keys are Strings (a plugin's names, literals), whose case-insensitive
   * hash would cost a pass over the name on every lookup (measured: ~6 % of a proxied request's user time).
   */
  private int[] sigs = NO_SIGS;
  private int size;
  private final int capacity;

  public ArrayHttpHeaders() {
    this(12);
  }

  public ArrayHttpHeaders(int capacity) {
    this.capacity = Math.max(capacity, 2);
  }

  /** The name of entry {@code i} as it was added (0 <= i < size()). */
  public CharSequence nameAt(int i) {
    return (CharSequence) kv[2 * i];
  }

  /** The value of entry {@code i}. */
  public String valueAt(int i) {
    return (String) kv[2 * i + 1];
  }

  /**
   * Case-insensitive ASCII equality, length first: header names are ASCII tokens. Stored names are decoders'
   * AsciiStrings and lookup keys mostly Strings: each pair of types gets its own loop, because a loop over
   * {@code CharSequence.charAt} on mixed types is a megamorphic interface call per character (measured: the largest
   * share of header-map time in a proxied request).
   */
  public static boolean nameEquals(CharSequence a, CharSequence b) {
    if (a == b) {
      return true; // a constant looked up by itself
    }
    int n = a.length();
    if (n != b.length()) {
      return false;
    }
    if (a instanceof AsciiString x) {
      if (b instanceof String y) {
        return equalsFolded(x, y, n);
      }
      if (b instanceof AsciiString y) {
        return equalsFolded(x, y, n);
      }
    } else if (a instanceof String x) {
      if (b instanceof AsciiString y) {
        return equalsFolded(y, x, n);
      }
      if (b instanceof String y) {
        for (int i = 0; i < n; i++) {
          if (!sameFolded(x.charAt(i), y.charAt(i))) {
            return false;
          }
        }
        return true;
      }
    }
    for (int i = 0; i < n; i++) {
      if (!sameFolded(a.charAt(i), b.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean equalsFolded(AsciiString a, String b, int n) {
    byte[] bytes = a.array();
    int off = a.arrayOffset();
    for (int i = 0; i < n; i++) {
      if (!sameFolded(bytes[off + i] & 0xff, b.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean equalsFolded(AsciiString a, AsciiString b, int n) {
    byte[] x = a.array();
    byte[] y = b.array();
    int xo = a.arrayOffset();
    int yo = b.arrayOffset();
    for (int i = 0; i < n; i++) {
      if (!sameFolded(x[xo + i] & 0xff, y[yo + i] & 0xff)) {
        return false;
      }
    }
    return true;
  }

  /** Equal, or the same ASCII letter in either case (no other character folds: names are ASCII tokens). */
  private static boolean sameFolded(int x, int y) {
    if (x == y) {
      return true;
    }
    int lx = x | 0x20;
    return lx == (y | 0x20) && lx >= 'a' && lx <= 'z';
  }

  /**
   * Length, first and last character of a name, case-folded as {@link #nameEquals} folds them: names equal under
   * nameEquals have equal signatures, and names of one length rarely share both ends.
   */
  static int signature(CharSequence name) {
    int n = name.length();
    return n == 0 ? 0 : n << 16 | fold(name.charAt(0)) << 8 | fold(name.charAt(n - 1));
  }

  private static int fold(char c) {
    return c >= 'A' && c <= 'Z' ? c | 0x20 : c & 0xff;
  }

  private int indexOf(CharSequence name, int from) {
    if (from >= size) {
      return -1;
    }
    return indexOf(name, signature(name), from);
  }

  private int indexOf(CharSequence name, int sig, int from) {
    for (int i = from; i < size; i++) {
      if (sigs[i] == sig && nameEquals((CharSequence) kv[2 * i], name)) {
        return i;
      }
    }
    return -1;
  }

  /** The name, checked and in lower case. */
  private static CharSequence validName(CharSequence name) {
    int n = name.length();
    if (n == 0) {
      throw new IllegalArgumentException("empty header name");
    }
    boolean upper = false;
    if (name instanceof AsciiString a) { // a decoder's name: read its bytes, no CharSequence call per character
      byte[] bytes = a.array();
      for (int i = a.arrayOffset(), end = i + n; i < end; i++) {
        int c = bytes[i];
        if (c < 0 || !TOKEN[c]) {
          throw new IllegalArgumentException("a header name can only contain token characters: " + name);
        }
        upper |= c >= 'A' && c <= 'Z';
      }
    } else {
      for (int i = 0; i < n; i++) {
        char c = name.charAt(i);
        if (c >= 128 || !TOKEN[c]) {
          throw new IllegalArgumentException("a header name can only contain token characters: " + name);
        }
        upper |= c >= 'A' && c <= 'Z';
      }
    }
    if (!upper) {
      return name;
    }
    int sig = signature(name);
    for (AsciiString common : COMMON_BY_LENGTH[Math.min(n, COMMON_BY_LENGTH.length - 1)]) {
      if (signature(common) == sig && nameEquals(common, name)) {
        return common; // servers capitalize these: no copy per response
      }
    }
    return name instanceof AsciiString a ? a.toLowerCase() : name.toString().toLowerCase(Locale.ROOT);
  }

  private static String validValue(Object value) {
    if (value == null) {
      throw new NullPointerException("header value");
    }
    String v = value instanceof Date d ? DateFormatter.format(d) : value.toString();
    for (int i = 0, n = v.length(); i < n; i++) {
      char c = v.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        throw new IllegalArgumentException("a header value contains a prohibited character 0x"
            + Integer.toHexString(c) + " at index " + i);
      }
    }
    return v;
  }

  private void append(CharSequence name, String value) {
    append(name, signature(name), value);
  }

  private void append(CharSequence name, int sig, String value) {
    if (2 * size == kv.length) {
      kv = Arrays.copyOf(kv, kv.length == 0 ? 2 * capacity : 2 * kv.length);
      sigs = Arrays.copyOf(sigs, kv.length / 2);
    }
    sigs[size] = sig;
    kv[2 * size] = name;
    kv[2 * size++ + 1] = value;
  }

  /** Keeps entries before {@code from} and the later ones not named {@code name}. */
  private void removeFrom(int from, CharSequence name) {
    if (from >= size) {
      return;
    }
    int sig = signature(name);
    int w = from;
    for (int r = from; r < size; r++) {
      if (sigs[r] != sig || !nameEquals(nameAt(r), name)) {
        sigs[w] = sigs[r];
        kv[2 * w] = kv[2 * r];
        kv[2 * w++ + 1] = kv[2 * r + 1];
      }
    }
    Arrays.fill(kv, 2 * w, 2 * size, null);
    size = w;
  }

  @Override
  public String get(String name) {
    return get((CharSequence) name);
  }

  @Override
  public String get(CharSequence name) {
    int i = indexOf(name, 0);
    return i < 0 ? null : valueAt(i);
  }

  /** All values of {@code name} joined by commas (RFC 9110's combined field value), or null. */
  public String getJoined(CharSequence name) {
    int i = indexOf(name, 0);
    if (i < 0) {
      return null;
    }
    int j = indexOf(name, i + 1);
    if (j < 0) {
      return valueAt(i);
    }
    StringBuilder sb = new StringBuilder(valueAt(i));
    for (; j >= 0; j = indexOf(name, j + 1)) {
      sb.append(',').append(valueAt(j));
    }
    return sb.toString();
  }

  /** The first value of {@code name} parsed, or null when absent or unparsable (as Netty's maps answer). */
  private <T> T parsed(CharSequence name, Function<String, T> parse) {
    String v = get(name);
    if (v == null) {
      return null;
    }
    try {
      return parse.apply(v);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  @Override
  public Integer getInt(CharSequence name) {
    return parsed(name, Integer::valueOf);
  }

  @Override
  public int getInt(CharSequence name, int defaultValue) {
    Integer v = getInt(name);
    return v == null ? defaultValue : v;
  }

  @Override
  public Short getShort(CharSequence name) {
    return parsed(name, Short::valueOf);
  }

  @Override
  public short getShort(CharSequence name, short defaultValue) {
    Short v = getShort(name);
    return v == null ? defaultValue : v;
  }

  @Override
  public Long getTimeMillis(CharSequence name) {
    return parsed(name, v -> {
      Date d = DateFormatter.parseHttpDate(v);
      return d == null ? null : d.getTime();
    });
  }

  @Override
  public long getTimeMillis(CharSequence name, long defaultValue) {
    Long v = getTimeMillis(name);
    return v == null ? defaultValue : v;
  }

  @Override
  public List<String> getAll(String name) {
    return getAll((CharSequence) name);
  }

  @Override
  public List<String> getAll(CharSequence name) {
    int i = indexOf(name, 0);
    if (i < 0) {
      return List.of();
    }
    List<String> out = new ArrayList<>(2);
    for (; i >= 0; i = indexOf(name, i + 1)) {
      out.add(valueAt(i));
    }
    return out;
  }

  @Override
  public List<Map.Entry<String, String>> entries() {
    List<Map.Entry<String, String>> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(new AbstractMap.SimpleImmutableEntry<>(nameAt(i).toString(), valueAt(i)));
    }
    return out;
  }

  @Override
  public boolean contains(String name) {
    return indexOf(name, 0) >= 0;
  }

  @Override
  public boolean contains(CharSequence name) {
    return indexOf(name, 0) >= 0;
  }

  @Override
  public boolean contains(String name, String value, boolean ignoreCase) {
    return contains((CharSequence) name, value, ignoreCase);
  }

  @Override
  public boolean contains(CharSequence name, CharSequence value, boolean ignoreCase) {
    for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
      if (ignoreCase ? valueAt(i).equalsIgnoreCase(value.toString()) : valueAt(i).contentEquals(value)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Iterator<String> valueStringIterator(CharSequence name) {
    return new Iterator<>() {
      int next = indexOf(name, 0);

      @Override
      public boolean hasNext() {
        return next >= 0;
      }

      @Override
      public String next() {
        if (next < 0) {
          throw new NoSuchElementException();
        }
        String v = valueAt(next);
        next = indexOf(name, next + 1);
        return v;
      }
    };
  }

  @Override
  public Iterator<? extends CharSequence> valueCharSequenceIterator(CharSequence name) {
    return valueStringIterator(name);
  }

  @Override
  public Iterator<Map.Entry<String, String>> iterator() {
    return new Entries<>() {
      @Override
      Map.Entry<String, String> entry(int i) {
        return new AbstractMap.SimpleImmutableEntry<>(nameAt(i).toString(), valueAt(i));
      }
    };
  }

  @Override
  public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() {
    return new Entries<>() {
      @Override
      Map.Entry<CharSequence, CharSequence> entry(int i) {
        return new AbstractMap.SimpleImmutableEntry<>(nameAt(i), valueAt(i));
      }
    };
  }

  /** Entries in order; {@code remove()} drops the last one returned. */
  private abstract class Entries<E> implements Iterator<E> {
    private int next;
    private int last = -1;

    abstract E entry(int i);

    @Override
    public boolean hasNext() {
      return next < size;
    }

    @Override
    public E next() {
      if (next >= size) {
        throw new NoSuchElementException();
      }
      last = next;
      return entry(next++);
    }

    @Override
    public void remove() {
      if (last < 0) {
        throw new IllegalStateException();
      }
      System.arraycopy(kv, 2 * last + 2, kv, 2 * last, 2 * (size - last - 1));
      System.arraycopy(sigs, last + 1, sigs, last, size - last - 1);
      size--;
      kv[2 * size] = null;
      kv[2 * size + 1] = null;
      next = last;
      last = -1;
    }
  }

  @Override
  public boolean isEmpty() {
    return size == 0;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Set<String> names() {
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < size; i++) {
      if (indexOf(nameAt(i), 0) == i) {
        out.add(nameAt(i).toString());
      }
    }
    return out;
  }

  @Override
  public HttpHeaders add(String name, Object value) {
    return add((CharSequence) name, value);
  }

  @Override
  public HttpHeaders add(CharSequence name, Object value) {
    append(validName(name), validValue(value));
    return this;
  }

  @Override
  public HttpHeaders add(String name, Iterable<?> values) {
    return add((CharSequence) name, values);
  }

  @Override
  public HttpHeaders add(CharSequence name, Iterable<?> values) {
    name = validName(name);
    for (Object v : values) {
      append(name, validValue(v));
    }
    return this;
  }

  @Override
  public HttpHeaders add(HttpHeaders headers) {
    if (headers instanceof ArrayHttpHeaders a) {
      for (int i = 0; i < a.size; i++) {
        append(a.nameAt(i), a.sigs[i], a.valueAt(i)); // already valid
      }
      return this;
    }
    return super.add(headers);
  }

  @Override
  public HttpHeaders addInt(CharSequence name, int value) {
    append(validName(name), Integer.toString(value));
    return this;
  }

  @Override
  public HttpHeaders addShort(CharSequence name, short value) {
    append(validName(name), Short.toString(value));
    return this;
  }

  @Override
  public HttpHeaders set(String name, Object value) {
    return set((CharSequence) name, value);
  }

  /** Replaces the first entry in place (keeps its position, as a set on a header map should), drops the others. */
  @Override
  public HttpHeaders set(CharSequence name, Object value) {
    String v = validValue(value);
    int sig = signature(name);
    int i = indexOf(name, sig, 0);
    if (i < 0) {
      append(validName(name), sig, v); // lower-casing keeps the signature: it ignores case
      return this;
    }
    kv[2 * i + 1] = v; // the stored name stays: it is this name in lower case
    if (indexOf(name, sig, i + 1) >= 0) {
      removeFrom(i + 1, name);
    }
    return this;
  }

  @Override
  public HttpHeaders set(String name, Iterable<?> values) {
    return set((CharSequence) name, values);
  }

  @Override
  public HttpHeaders set(CharSequence name, Iterable<?> values) {
    name = validName(name);
    removeFrom(0, name);
    for (Object v : values) {
      append(name, validValue(v));
    }
    return this;
  }

  @Override
  public HttpHeaders setInt(CharSequence name, int value) {
    return set(name, Integer.toString(value));
  }

  @Override
  public HttpHeaders setShort(CharSequence name, short value) {
    return set(name, Short.toString(value));
  }

  @Override
  public HttpHeaders remove(String name) {
    removeFrom(0, name);
    return this;
  }

  @Override
  public HttpHeaders remove(CharSequence name) {
    removeFrom(0, name);
    return this;
  }

  @Override
  public HttpHeaders clear() {
    Arrays.fill(kv, 0, 2 * size, null);
    size = 0;
    return this;
  }

  @Override
  public HttpHeaders copy() {
    ArrayHttpHeaders c = new ArrayHttpHeaders(Math.max(size + 4, 8));
    c.kv = Arrays.copyOf(kv, 2 * c.capacity);
    c.sigs = Arrays.copyOf(sigs, c.capacity);
    c.size = size;
    return c;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("ArrayHttpHeaders[");
    for (int i = 0; i < size; i++) {
      sb.append(i == 0 ? "" : ", ").append(nameAt(i)).append(": ").append(valueAt(i));
    }
    return sb.append(']').toString();
  }
}
